import net from "node:net";

/** Resolves when nothing listens on 127.0.0.1:port; otherwise fails naming who wanted it. */
export function assertPortFree(port: number, purpose: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `Port ${port} is already in use; it is needed for ${purpose}.`
            : `Cannot listen on port ${port} for ${purpose}: ${error.message}`,
        ),
      );
    });
    probe.listen({ port, host: "0.0.0.0", exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Asks the OS for a free loopback port (for throwaway test servers). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
