// A dependency-free progress bar for command-line scripts: redraws in place on a terminal,
// prints a line every 10% otherwise (CI logs).
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastDecile = -1;
  let done = 0;
  const render = () => {
    const frac = total > 0 ? done / total : 1;
    const elapsed = (Date.now() - started) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const text = `${label} ${done}/${total} (${Math.round(frac * 100)}%) ${elapsed.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left`;
    if (stream.isTTY) {
      const width = 24;
      const filled = Math.round(frac * width);
      stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}\x1b[K`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    }
  };
  render();
  return {
    tick(n = 1) {
      done = Math.min(total, done + n);
      render();
    },
    done() {
      done = total;
      render();
      if (stream.isTTY) stream.write("\n");
    },
  };
}
