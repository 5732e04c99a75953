# Services run on eventlet: patch before anything opens a socket (nameko's pytest plugin no longer does it).
import eventlet

eventlet.monkey_patch()
