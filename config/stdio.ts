// Both bins print reports that installers pipe into `head` or `less`; a closed pipe (EPIPE) is the
// reader being done, not an error worth a stack trace.
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}
