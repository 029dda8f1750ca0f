import { createInterface } from 'node:readline';
import { hashPassword } from '../sources/mqtt/password.js';

const HELP = `linegate mqtt-passwd — a password hash for a device of the embedded MQTT broker

Usage:
  linegate mqtt-passwd                 asks for the password (not shown), prints the hash
  echo -n 'secret' | linegate mqtt-passwd   reads the first line of stdin

Paste the printed line into plant.yaml:
  mqtt:
    broker:
      users:
        - username: packer-2
          passwordHash: 'scrypt$16384$8$1$…'    # the printed line, in quotes
          publish: ['htx/rice-crust/packer-2/#']

The hash is scrypt (N=16384, r=8, p=1, 16-byte random salt, 32-byte key), written
scrypt$N$r$p$salt$hash with base64 salt and hash. The password itself is never stored.
Use at least 12 random characters: devices keep it in their firmware, people do not type it.`;

/** Reads one line: hidden when stdin is a terminal, else the first line of the pipe. */
export function readPassword(): Promise<string> {
  return new Promise((resolve) => {
    const tty = process.stdin.isTTY === true;
    const rl = createInterface({
      input: process.stdin,
      output: tty ? process.stderr : undefined,
      terminal: tty,
    });
    if (tty) {
      process.stderr.write('Password: ');
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
    }
    let done = false;
    rl.on('line', (line) => {
      done = true;
      rl.close();
      if (tty) process.stderr.write('\n');
      resolve(line);
    });
    rl.on('close', () => {
      if (!done) resolve('');
    });
  });
}

export async function runMqttPasswd(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`unexpected argument "${argv[0]}" (the password is read from stdin)\n\n${HELP}\n`);
    return 2;
  }
  const password = await readPassword();
  if (password.length < 8) {
    process.stderr.write('the password must have at least 8 characters\n');
    return 1;
  }
  process.stdout.write(`${hashPassword(password)}\n`);
  return 0;
}
