package io.outfall.app.drill;

import picocli.CommandLine.Command;

/** Fault drills on real components; each prints its counts last and exits 0 only on success. */
@Command(
    name = "drill",
    mixinStandardHelpOptions = true,
    description = "Run a fault drill on real components and count what survived.",
    subcommands = {
      GatewayOutageDrill.class,
      IngestCrashDrill.class,
      DatabaseOutageDrill.class,
      ConfigRolloutDrill.class,
      FtpOutageDrill.class,
      LongOutageDrill.class
    })
public final class DrillCommand {}
