// Runs log4brains' own "adr" commands (new, list) from @log4brains/cli, as
// the log4brains binary does, without its web preview and its Next.js
// dependencies: node log4brains.cjs adr new --quiet "Title".
const { AppConsole } = require("@log4brains/cli-common");
const { createCli } = require("@log4brains/cli");

const appConsole = new AppConsole({ debug: false, traces: false });
createCli({ appConsole })
  .parseAsync(process.argv)
  .catch((err) => {
    appConsole.fatal(err);
    process.exit(1);
  });
