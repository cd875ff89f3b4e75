console.log("usage: lr-client [--port <port>] [--host <host>]");
