# Runs a command on a pseudo-terminal (its stdout is a TTY, as for a person at a console), sends it
# SIGTERM once its output matches a pattern (or after a bound), and prints everything it wrote.
# Usage: on-a-tty.py PATTERN SECONDS COMMAND [ARG...]; exits with the command's exit code.
import os, pty, re, select, signal, sys, time

pattern, bound, argv = re.compile(sys.argv[1].encode()), float(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, signalled, deadline = b'', False, time.monotonic() + bound
while True:
    if not signalled and (pattern.search(out) or time.monotonic() > deadline):
        os.kill(pid, signal.SIGTERM)
        signalled, deadline = True, time.monotonic() + bound
    elif signalled and time.monotonic() > deadline:
        os.kill(pid, signal.SIGKILL)
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) if os.waitstatus_to_exitcode(status) >= 0 else 128 - os.waitstatus_to_exitcode(status))
