// Preloaded by `bench/http.bench.ts --profile DIR` (NODE_OPTIONS=--import, since --cpu-prof is not
// allowed there): profiles the process from start; SIGUSR2 writes DIR/<pid>.cpuprofile and goes on.
import fs from "node:fs";
import inspector from "node:inspector";
import path from "node:path";

const dir = process.env.PROVISIO_BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable", () => session.post("Profiler.start"));
  process.on("SIGUSR2", () => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      session.post("Profiler.start");
    });
  });
}
