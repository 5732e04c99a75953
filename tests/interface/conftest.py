# These tests run nameko containers in-process: patch before anything opens a socket.
import eventlet

eventlet.monkey_patch()
