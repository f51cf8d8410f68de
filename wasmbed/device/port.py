"""Opening a serial port with pyserial for the raw REPL.

``open_port(port, baud=115200)`` -> a SerialStream, whose ``read(n)``
returns what has arrived (up to ``n`` bytes, waiting at most ``timeout``
seconds, default 0.05, for the first) and ``write(b)`` sends everything.
Raises DeviceError with one line when pyserial is missing or the port
cannot be opened; a read or write on a port that went away raises
DeviceError too.
"""

import os

from wasmbed.device import DeviceError

DEFAULT_BAUD = 115200


def _reason(e):
    errno = getattr(e, "errno", None)
    if errno:
        return os.strerror(errno)
    return str(e) or type(e).__name__


class SerialStream:
    def __init__(self, ser, name):
        self.ser = ser
        self.name = name

    def read(self, n):
        import serial
        try:
            waiting = self.ser.in_waiting
            if waiting:
                return self.ser.read(min(n, waiting))
            return self.ser.read(1)
        except (serial.SerialException, OSError) as e:
            raise DeviceError("lost the connection to %s: %s" % (self.name, _reason(e)))

    def write(self, data):
        import serial
        try:
            self.ser.write(data)
            self.ser.flush()
        except (serial.SerialException, OSError) as e:
            raise DeviceError("lost the connection to %s: %s" % (self.name, _reason(e)))
        return len(data)

    def close(self):
        try:
            self.ser.close()
        except Exception:
            pass


def open_port(port, baud=DEFAULT_BAUD, timeout=0.05):
    try:
        import serial
    except ImportError:
        raise DeviceError("pyserial is not installed (pip install pyserial)")
    if baud <= 0:
        raise DeviceError("bad baud rate %d" % baud)
    try:
        ser = serial.Serial(port, baud, timeout=timeout, write_timeout=10)
    except (serial.SerialException, OSError, ValueError) as e:
        raise DeviceError("cannot open %s: %s" % (port, _reason(e)))
    return SerialStream(ser, port)
