#!/usr/bin/python3
"""A real Modbus peer for the integration tests: pymodbus 3.0 (Debian 12 python3-pymodbus).

Started by tests/peers/pymodbus.ts, never by hand in CI. Run with /usr/bin/python3.

    pymodbus_server.py '<json spec>'

Spec (one JSON object, first argument):
    transport           "tcp" | "rtu"
    port                TCP port on 127.0.0.1; 0 picks a free one (tcp only)
    serialPath          serial device, e.g. one end of a socat pty pair (rtu only)
    baudRate            serial speed, default 9600 (rtu only)
    units               {"<unit id>": {"holding": {"<address>": int}, "input": {...},
                                       "coils": {"<address>": bool}, "discrete": {...}}}
    offline             unit ids that exist but do not answer (see "online" below)
    ignoreMissingUnits  true (default): a request to a unit that is not served gets no answer
                        at all, like a dead slave on a bus. false: it gets exception 0x0B
                        (gateway target device failed to respond), like a TCP gateway.
    blockSize           every area of every unit is a sequential block of this many
                        addresses starting at 0 (default 65536, so any address reads as 0
                        unless set). Reads past the block give exception 0x02.

Addresses are zero-based protocol addresses (ModbusSlaveContext zero_mode=True).

Output on stdout, one line each:
    READY <port>        tcp: listening (the real port); rtu: "READY <serialPath>"
    OK <id>             command <id> applied
    ERR <id> <message>  command <id> rejected

Commands on stdin, one JSON object per line:
    {"id": 1, "op": "set", "unit": 1, "area": "holding", "address": 0, "values": [1, 2]}
    {"id": 2, "op": "online", "unit": 2, "online": false}
    {"id": 3, "op": "ping"}

The process exits when stdin closes, so it cannot outlive the test process that started it.
"""

import asyncio
import errno
import json
import logging
import os
import sys
import threading

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

# Function codes that ModbusSlaveContext.setValues maps to its four stores.
AREA_FUNCTION_CODE = {"coils": 1, "discrete": 2, "holding": 3, "input": 4}

# Modbus app protocol v1.1b3 §4.4: unit ids 1..247 address devices; 0 is broadcast.
MAX_UNIT_ID = 247

BIND_ATTEMPTS = 50
BIND_RETRY_SECONDS = 0.1


class PeerContext(ModbusServerContext):
    """A multi-unit context whose served units can be switched off and on at run time.

    pymodbus 3.0 can drop a request in two places. (1) The framer ignores a frame whose unit
    id is not in slaves() (unless 0 or 0xFF is in that list) -- but the request handler reads
    slaves() once per loop *before* it awaits the next frame, so a unit switched on or off
    would only count one request late. (2) The handler looks the unit up in the context and,
    on NoSuchSlaveException, returns without answering if ignore_missing_slaves is set, else
    answers exception 0x0B. So slaves() lists every unit id (the framer passes everything)
    and the live lookup in __getitem__ decides: silence, or 0x0B.
    """

    def __init__(self, units, offline):
        super().__init__(slaves={}, single=False)
        self.all_units = units
        for unit_id, slave in units.items():
            if unit_id not in offline:
                self[unit_id] = slave

    def slaves(self):
        return list(range(0, MAX_UNIT_ID + 1))

    def set_online(self, unit_id, online):
        if unit_id not in self.all_units:
            raise KeyError(f"unit {unit_id} is not in the spec")
        if online:
            self[unit_id] = self.all_units[unit_id]
        elif unit_id in self:
            del self[unit_id]


def build_slave(unit_spec, block_size):
    blocks = {}
    for key, area in (("hr", "holding"), ("ir", "input"), ("co", "coils"), ("di", "discrete")):
        values = [0] * block_size
        for address, value in (unit_spec.get(area) or {}).items():
            index = int(address)
            if not 0 <= index < block_size:
                raise ValueError(f"{area} address {index} is outside 0..{block_size - 1}")
            values[index] = int(value)
        blocks[key] = ModbusSequentialDataBlock(0, values)
    return ModbusSlaveContext(zero_mode=True, **blocks)


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def apply_command(context, line):
    command_id = None
    try:
        command = json.loads(line)
        command_id = command.get("id")
        op = command.get("op")
        if op == "set":
            unit_id = int(command["unit"])
            if unit_id not in context.all_units:
                raise KeyError(f"unit {unit_id} is not in the spec")
            function_code = AREA_FUNCTION_CODE[command["area"]]
            values = [int(v) for v in command["values"]]
            slave = context.all_units[unit_id]
            address = int(command["address"])
            if not slave.validate(function_code, address, len(values)):
                raise ValueError(f"address {address} + {len(values)} is outside the block")
            slave.setValues(function_code, address, values)
        elif op == "online":
            context.set_online(int(command["unit"]), bool(command["online"]))
        elif op != "ping":
            raise ValueError(f"unknown op {op!r}")
        emit(f"OK {command_id}")
    except Exception as exc:  # pylint: disable=broad-except
        emit(f"ERR {command_id} {type(exc).__name__}: {exc}".replace("\n", " "))


def read_commands(loop, context):
    """Thread: feed stdin lines to the event loop; exit the process when stdin closes."""
    for line in sys.stdin:
        if line.strip():
            loop.call_soon_threadsafe(apply_command, context, line)
    os._exit(0)  # pylint: disable=protected-access


async def start_tcp(context, spec, ignore_missing):
    """Bind 127.0.0.1:<port>, retrying while a restarted server's old port is still busy."""
    for attempt in range(BIND_ATTEMPTS):
        server = await StartAsyncTcpServer(
            context=context,
            address=("127.0.0.1", int(spec.get("port") or 0)),
            framer=ModbusSocketFramer,
            allow_reuse_address=True,
            ignore_missing_slaves=ignore_missing,
            defer_start=True,
        )
        task = asyncio.create_task(server.serve_forever())
        await asyncio.wait({server.serving, task}, return_when=asyncio.FIRST_COMPLETED)
        if server.serving.done():
            return server.server.sockets[0].getsockname()[1], task
        exc = task.exception()
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE and attempt + 1 < BIND_ATTEMPTS:
            await asyncio.sleep(BIND_RETRY_SECONDS)
            continue
        raise exc or RuntimeError("TCP server stopped before it was serving")
    raise RuntimeError("unreachable")


async def start_rtu(context, spec, ignore_missing):
    server = await StartAsyncSerialServer(
        context=context,
        framer=ModbusRtuFramer,
        port=spec["serialPath"],
        baudrate=int(spec.get("baudRate") or 9600),
        ignore_missing_slaves=ignore_missing,
        defer_start=True,
    )
    await server.start()  # opens the device; raises SerialException if it cannot
    if server.transport is None:
        raise RuntimeError(f"could not open serial port {spec['serialPath']}")
    return spec["serialPath"], server


async def main():
    spec = json.loads(sys.argv[1])
    block_size = int(spec.get("blockSize") or 65536)
    ignore_missing = spec.get("ignoreMissingUnits", True) is not False
    units = {int(u): build_slave(s or {}, block_size) for u, s in spec["units"].items()}
    offline = {int(u) for u in spec.get("offline") or []}
    context = PeerContext(units, offline)

    if spec["transport"] == "tcp":
        ready, keep_alive = await start_tcp(context, spec, ignore_missing)
    elif spec["transport"] == "rtu":
        ready, keep_alive = await start_rtu(context, spec, ignore_missing)
    else:
        raise ValueError(f"unknown transport {spec['transport']!r}")

    threading.Thread(
        target=read_commands, args=(asyncio.get_running_loop(), context), daemon=True
    ).start()
    emit(f"READY {ready}")
    await asyncio.Event().wait()  # keep_alive stays referenced: asyncio holds tasks weakly
    del keep_alive


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="pymodbus-peer %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        # Expected for every request to a missing unit; it would drown the useful lines.
        handler.addFilter(lambda record: not str(record.msg).startswith("requested slave does not exist"))
    asyncio.run(main())
