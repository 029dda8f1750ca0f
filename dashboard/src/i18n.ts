import { shared, useShared } from './store.js';

/**
 * Vietnamese first, English on request (saved in the browser). Words from the project glossary
 * (shared/GLOSSARY.md). Numbers and times in the local format of the language (vi-VN:
 * 1.234,5 — 27/11/2026 14:05), always in the site's time zone.
 */
export type Lang = 'vi' | 'en';
export interface LocalText {
  readonly vi: string;
  readonly en: string;
}

const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem('lg-lang');
export const lang = shared<Lang>(saved === 'en' ? 'en' : 'vi');
export const timeZone = shared('Asia/Ho_Chi_Minh');

export function setLang(l: Lang): void {
  localStorage.setItem('lg-lang', l);
  document.documentElement.lang = l;
  lang.set(l);
}

export const T = {
  board: { vi: 'Bảng máy', en: 'Board' },
  manager: { vi: 'Sản lượng', en: 'Output' },
  technician: { vi: 'Kỹ thuật', en: 'Technician' },
  admin: { vi: 'Quản trị', en: 'Admin' },
  login: { vi: 'Đăng nhập', en: 'Log in' },
  logout: { vi: 'Đăng xuất', en: 'Log out' },
  user: { vi: 'Người dùng', en: 'User' },
  users: { vi: 'Người dùng', en: 'Users' },
  password: { vi: 'Mật khẩu', en: 'Password' },
  role: { vi: 'Vai trò', en: 'Role' },
  language: { vi: 'Ngôn ngữ', en: 'Language' },
  stale: { vi: 'Mất kết nối — dữ liệu cũ', en: 'Connection lost — stale data' },
  live: { vi: 'Trực tiếp', en: 'Live' },
  noData: { vi: 'Chưa có dữ liệu', en: 'No data' },
  notAvailable: { vi: 'Chưa có dữ liệu (chức năng chưa có)', en: 'Not available (not installed yet)' },
  product: { vi: 'Sản phẩm', en: 'Product' },
  rate: { vi: 'Tốc độ', en: 'Rate' },
  perMin: { vi: 'gói/phút', en: 'packs/min' },
  todayCount: { vi: 'Sản phẩm đạt hôm nay', en: "Today's good units" },
  todayKg: { vi: 'Sản lượng hôm nay', en: "Today's output" },
  lastData: { vi: 'Cập nhật', en: 'Last data' },
  ago: { vi: 'trước', en: 'ago' },
  alarms: { vi: 'Cảnh báo', en: 'Alarms' },
  activeAlarms: { vi: 'Cảnh báo đang có', en: 'Active alarms' },
  alarmHistory: { vi: 'Lịch sử cảnh báo', en: 'Alarm history' },
  ack: { vi: 'Xác nhận', en: 'Acknowledge' },
  acked: { vi: 'Đã xác nhận', en: 'Acknowledged' },
  unacked: { vi: 'Chưa xác nhận', en: 'Unacknowledged' },
  shelve: { vi: 'Tạm ẩn (1 giờ)', en: 'Shelve (1 h)' },
  unshelve: { vi: 'Bỏ tạm ẩn', en: 'Unshelve' },
  comment: { vi: 'Ghi chú', en: 'Comment' },
  severity: { vi: 'Mức độ', en: 'Severity' },
  machine: { vi: 'Máy', en: 'Machine' },
  machines: { vi: 'Máy móc', en: 'Machines' },
  line: { vi: 'Dây chuyền', en: 'Line' },
  target: { vi: 'Kế hoạch', en: 'Target' },
  output: { vi: 'Sản lượng (kg)', en: 'Output (kg)' },
  shift: { vi: 'Ca', en: 'Shift' },
  shiftReport: { vi: 'Báo cáo ca', en: 'Shift report' },
  oee: { vi: 'OEE', en: 'OEE' },
  availability: { vi: 'Mức sẵn sàng', en: 'Availability' },
  performance: { vi: 'Hiệu suất', en: 'Performance' },
  quality: { vi: 'Chất lượng', en: 'Quality' },
  good: { vi: 'Sản phẩm đạt', en: 'Good' },
  reject: { vi: 'Phế phẩm', en: 'Rejects' },
  runTime: { vi: 'Thời gian chạy', en: 'Run time' },
  downtime: { vi: 'Thời gian dừng máy', en: 'Downtime' },
  date: { vi: 'Ngày', en: 'Date' },
  days7: { vi: '7 ngày', en: '7 days' },
  days30: { vi: '30 ngày', en: '30 days' },
  exportCsv: { vi: 'Xuất CSV', en: 'Export CSV' },
  stopReason: { vi: 'Nguyên nhân dừng máy', en: 'Stop reason' },
  enterReason: { vi: 'Nhập nguyên nhân dừng', en: 'Enter stop reason' },
  unexplained: { vi: 'Dừng chưa rõ nguyên nhân', en: 'Unexplained stop' },
  save: { vi: 'Lưu', en: 'Save' },
  cancel: { vi: 'Hủy', en: 'Cancel' },
  add: { vi: 'Thêm', en: 'Add' },
  remove: { vi: 'Xóa', en: 'Remove' },
  fullscreen: { vi: 'Toàn màn hình', en: 'Full screen' },
  trend: { vi: 'Biểu đồ', en: 'Trend' },
  point: { vi: 'Thông số', en: 'Point' },
  value: { vi: 'Giá trị', en: 'Value' },
  comm: { vi: 'Truyền thông', en: 'Communication' },
  requests: { vi: 'Yêu cầu', en: 'Requests' },
  errors: { vi: 'Lỗi', en: 'Errors' },
  timeouts: { vi: 'Quá thời gian', en: 'Timeouts' },
  latency: { vi: 'Độ trễ', en: 'Latency' },
  messages: { vi: 'Tin nhắn', en: 'Messages' },
  config: { vi: 'Cấu hình đang chạy', en: 'Running configuration' },
  audit: { vi: 'Nhật ký thao tác', en: 'Audit trail' },
  signInFailed: { vi: 'Sai tên người dùng hoặc mật khẩu', en: 'Wrong user name or password' },
  tooMany: { vi: 'Thử quá nhiều lần, hãy chờ rồi thử lại', en: 'Too many tries; wait and try again' },
  forbidden: { vi: 'Vai trò của bạn không được phép', en: 'Your role may not do this' },
  signInToChange: { vi: 'Đăng nhập để thao tác', en: 'Log in to make changes' },
  from: { vi: 'Từ', en: 'From' },
  to: { vi: 'Đến', en: 'To' },
  time: { vi: 'Thời gian', en: 'Time' },
  actor: { vi: 'Người thực hiện', en: 'Who' },
  action: { vi: 'Thao tác', en: 'Action' },
  result: { vi: 'Kết quả', en: 'Result' },
  kiosk: { vi: 'Chế độ xem (không cần đăng nhập)', en: 'Kiosk (view only)' },
  yes: { vi: 'Có', en: 'Yes' },
  no: { vi: 'Không', en: 'No' },
} as const satisfies Record<string, LocalText>;

export type Key = keyof typeof T;

export const STATE_TEXT: Record<string, LocalText> = {
  running: { vi: 'Đang chạy', en: 'Running' },
  idle: { vi: 'Chạy không tải', en: 'Idle' },
  stopped: { vi: 'Dừng', en: 'Stopped' },
  fault: { vi: 'Lỗi', en: 'Fault' },
  offline: { vi: 'Mất kết nối', en: 'Offline' },
  planned_stop: { vi: 'Dừng theo kế hoạch', en: 'Planned stop' },
  unknown: { vi: 'Chưa rõ', en: 'Unknown' },
};

/** Names of the comm counters (GET /api/machines `comm`). */
export const COMM_TEXT: Record<string, LocalText> = {
  requests: { vi: 'Số yêu cầu', en: 'Requests' },
  errors: { vi: 'Lỗi', en: 'Errors' },
  timeouts: { vi: 'Quá thời gian chờ', en: 'Timeouts' },
  exceptions: { vi: 'Mã ngoại lệ Modbus', en: 'Modbus exceptions' },
  lastError: { vi: 'Lỗi gần nhất', en: 'Last error' },
  lastSuccessTs: { vi: 'Đọc được lần cuối', en: 'Last success' },
  latencyMeanMs: { vi: 'Độ trễ trung bình (ms)', en: 'Mean latency (ms)' },
  latencyP95Ms: { vi: 'Độ trễ p95 (ms)', en: 'p95 latency (ms)' },
  lastScanMs: { vi: 'Lần quét cuối (ms)', en: 'Last scan (ms)' },
  messages: { vi: 'Tin nhắn', en: 'Messages' },
};

export const ROLE_TEXT: Record<string, LocalText> = {
  operator: { vi: 'Công nhân vận hành', en: 'Operator' },
  manager: { vi: 'Quản lý', en: 'Manager' },
  technician: { vi: 'Kỹ thuật viên', en: 'Technician' },
  admin: { vi: 'Quản trị viên', en: 'Administrator' },
};

export const SEVERITY_TEXT: Record<number, LocalText> = {
  1: { vi: 'Khẩn cấp', en: 'Critical' },
  2: { vi: 'Cao', en: 'High' },
  3: { vi: 'Trung bình', en: 'Medium' },
  4: { vi: 'Thấp', en: 'Low' },
};

export function tr(t: LocalText, l: Lang = lang.get()): string {
  return t[l];
}

/** The translate function of the current language; re-renders on a switch. */
export function useT(): { t: (k: Key) => string; l: Lang; loc: (x: LocalText | null | undefined) => string } {
  const l = useShared(lang);
  return { t: (k) => T[k][l], l, loc: (x) => (x ? x[l] : '') };
}

const locale = (l: Lang) => (l === 'vi' ? 'vi-VN' : 'en-GB');

export function fmtNum(n: number | null | undefined, digits = 0, l: Lang = lang.get()): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat(locale(l), {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(n);
}

export function fmtPct(n: number | null | undefined, l: Lang = lang.get()): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat(locale(l), { style: 'percent', maximumFractionDigits: 1 }).format(n);
}

export function fmtTime(
  ts: number | string | null | undefined,
  withDate = false,
  l: Lang = lang.get(),
): string {
  if (ts === null || ts === undefined) return '—';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(locale(l), {
    timeZone: timeZone.get(),
    hour: '2-digit',
    minute: '2-digit',
    ...(withDate ? { day: '2-digit', month: '2-digit', year: 'numeric' } : {}),
    hour12: false,
  }).format(d);
}

/** Day and month in the site's zone (27/11 in Vietnamese, 27/11 in English too: en-GB). */
export function fmtDay(ts: number, l: Lang = lang.get()): string {
  return new Intl.DateTimeFormat(locale(l), {
    timeZone: timeZone.get(),
    day: '2-digit',
    month: '2-digit',
  }).format(new Date(ts));
}

/** Clock time in the site's zone, with seconds when asked. */
export function fmtClock(ts: number, seconds: boolean, l: Lang = lang.get()): string {
  return new Intl.DateTimeFormat(locale(l), {
    timeZone: timeZone.get(),
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hour12: false,
  }).format(new Date(ts));
}

/** "12 s", "5 min", "3 h" since a time. */
export function fmtAgo(ts: number | null | undefined, now: number, l: Lang = lang.get()): string {
  if (ts === null || ts === undefined) return '—';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  const unit = (n: number, u: 'second' | 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale(l), { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n);
  if (s < 90) return unit(s, 'second');
  if (s < 5400) return unit(Math.round(s / 60), 'minute');
  if (s < 172800) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86400), 'day');
}

/** Today's date in the site's time zone, YYYY-MM-DD. */
export function siteDate(ts: number = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone.get() }).format(new Date(ts));
}
