#!/usr/bin/python3
"""An independent Modbus server for cross-checks: Debian's python3-pymodbus, code we did not write.

Usage: pymodbus_server.py tcp PORT | rtu PATH BAUD

Serves slave id 1 with known contents:
  holding registers 0..9   = 100, 101, ... 109        (fc 3)
  holding 20..21           = 0x4148 0x0000 (f32 12.5, ABCD)
  input registers 0..1     = 123, 0b1001             (fc 4: the gas-lel map: 12.3 %LEL, al1+fault)
  coils 0..7               = 1 0 1 0 0 0 0 1         (fc 1)
  discrete inputs 0..7     = 0 1 1 0 0 0 0 0         (fc 2)
Prints "ready" once listening (TCP) or opened (RTU), then serves until killed.
"""
import logging
import sys
import threading

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer

logging.basicConfig(level=logging.ERROR)

# pymodbus's sequential blocks are addressed from 1 internally when zero_mode is off; use zero_mode so
# that wire address 0 is element 0, like the Modbus spec.
holding = [100 + i for i in range(10)] + [0] * 10 + [0x4148, 0x0000] + [0] * 10
store = ModbusSlaveContext(
    hr=ModbusSequentialDataBlock(0, holding),
    ir=ModbusSequentialDataBlock(0, [123, 0b1001] + [0] * 8),
    co=ModbusSequentialDataBlock(0, [1, 0, 1, 0, 0, 0, 0, 1] + [0] * 8),
    di=ModbusSequentialDataBlock(0, [0, 1, 1, 0, 0, 0, 0, 0] + [0] * 8),
    zero_mode=True,
)
context = ModbusServerContext(slaves={1: store}, single=False)


def announce():
    print("ready", flush=True)


mode = sys.argv[1]
if mode == "tcp":
    threading.Timer(0.5, announce).start()
    StartTcpServer(context=context, address=("127.0.0.1", int(sys.argv[2])))
elif mode == "rtu":
    threading.Timer(0.5, announce).start()
    StartSerialServer(context=context, framer=ModbusRtuFramer, port=sys.argv[2], baudrate=int(sys.argv[3]), timeout=0.05)
else:
    sys.exit("usage: pymodbus_server.py tcp PORT | rtu PATH BAUD")
