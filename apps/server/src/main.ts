console.log("usage: lr-server [--port <port>] [--host <host>]");
