// Preloaded (node --require) into every Node.js process while `npm run bench:profile` runs. The
// engine stops a provider with SIGINT, and a process that dies of a signal never writes its
// --cpu-prof file; exiting normally on SIGINT does.
process.once("SIGINT", () => process.exit(130));
