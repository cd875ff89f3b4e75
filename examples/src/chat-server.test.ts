import { afterEach, describe, expect, it } from "vitest";
import { lineClient, type Program, start } from "../test/program.js";

let program: Program | undefined;
afterEach(async () => {
  await program?.stop("SIGKILL");
  program = undefined;
});

describe("chat-server", () => {
  it("relays each line to the other clients, with the sender's name", async () => {
    program = start("chat-server", ["0"]);
    const [, port] = await program.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const ada = await lineClient(Number(port));
    expect(await ada.next()).toBe("What is your name?");
    ada.send("ada");
    expect(await ada.next()).toBe("Welcome, ada! 1 here.");
    const bob = await lineClient(Number(port));
    expect(await bob.next()).toBe("What is your name?");
    bob.send("bob");
    expect(await bob.next()).toBe("Welcome, bob! 2 here.");
    expect(await ada.next()).toBe("* bob joined");
    ada.send("hi bob");
    expect(await bob.next()).toBe("ada: hi bob");
    await bob.close();
    expect(await ada.next()).toBe("* bob left");
    await ada.close();
    expect(await program.stop("SIGTERM")).toBe(0);
  });
});
