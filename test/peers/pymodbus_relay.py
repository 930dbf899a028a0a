#!/usr/bin/python3
"""An eight-channel relay module served by Debian's python3-pymodbus (code we did not write), as the
common cheap boards are: coils 0..7 drive the relays (fc 1/5/15), and discrete inputs 0..7 (fc 2) are
independent dry-contact inputs, NOT feedback of the relays: nothing is wired to them, so they read 0
whatever the coils do. A gateway that took them for contact feedback would see every relay it switches
on "read back off".

Usage: pymodbus_relay.py PORT UNIT
Prints "ready" once listening on 127.0.0.1:PORT, then serves until killed.
"""
import logging
import sys
import threading

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer

logging.basicConfig(level=logging.ERROR)

if len(sys.argv) != 3:
    sys.exit("usage: pymodbus_relay.py PORT UNIT")
port, unit = int(sys.argv[1]), int(sys.argv[2])

store = ModbusSlaveContext(
    co=ModbusSequentialDataBlock(0, [0] * 8),
    di=ModbusSequentialDataBlock(0, [0] * 8),
    hr=ModbusSequentialDataBlock(0, [0] * 8),
    ir=ModbusSequentialDataBlock(0, [0] * 8),
    zero_mode=True,
)
context = ModbusServerContext(slaves={unit: store}, single=False)
threading.Timer(0.5, lambda: print("ready", flush=True)).start()
StartTcpServer(context=context, address=("127.0.0.1", port))
