# A stand-in for systemd's notify socket: binds a Unix datagram socket at the path given and prints each
# message it receives as one line (newlines inside a message shown as "|"). Prints "ready" once bound.
import socket, sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    data = s.recv(65536).decode("utf-8", "replace").strip().replace("\n", "|")
    print(data, flush=True)
