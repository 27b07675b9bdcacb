package io.outfall.app.cli;

import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.access.MosquittoFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Broker accounts, managed in the database the servers use: one per gateway, one per ingest
 * service, exported as Mosquitto's password and ACL files.
 */
@Command(
    name = "gateways",
    mixinStandardHelpOptions = true,
    description =
        "Broker accounts of gateways and services; the Mosquitto files that enforce them.",
    subcommands = {
      GatewaysCommand.Add.class,
      GatewaysCommand.AddService.class,
      GatewaysCommand.ListAccounts.class,
      GatewaysCommand.Remove.class,
      GatewaysCommand.ExportMosquitto.class
    })
final class GatewaysCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** A short-lived connection to the servers' database, or the demo's. */
  abstract static class OnDatabase implements Callable<Integer> {
    @Mixin CliDatabase.Options where;

    @Override
    public final Integer call() throws Exception {
      return CliDatabase.run(where, ds -> run(new BrokerAccounts(ds)));
    }

    abstract int run(BrokerAccounts accounts) throws Exception;
  }

  /** Prints a new secret once, or writes it to a file only its owner can read. */
  abstract static class Issuing extends OnDatabase {
    @Mixin NewPassword shown;

    int issue(BrokerAccounts accounts, BrokerAccount account) throws Exception {
      shown.show(account.username(), accounts.issue(account));
      System.out.println(
          "Mosquitto brokers: run 'outfall gateways export-mosquitto' again and send it SIGHUP.");
      return 0;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Create a gateway's broker account (or give it a new password).",
        "Put the user name and password in the gateway's file: mqtt: {username: ..., password: ...}."
      })
  static final class Add extends Issuing {
    @Parameters(paramLabel = "SITE/GATEWAY")
    String id;

    @Override
    int run(BrokerAccounts accounts) throws Exception {
      String[] p = id.split("/", -1);
      if (p.length != 2) {
        System.err.println("expected SITE/GATEWAY, got '" + id + "'");
        return 2;
      }
      return issue(accounts, BrokerAccount.gateway(p[0], p[1]));
    }
  }

  @Command(
      name = "add-service",
      mixinStandardHelpOptions = true,
      description =
          "Create the broker account an ingest server uses (mqtt.username, mqtt.password).")
  static final class AddService extends Issuing {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int run(BrokerAccounts accounts) throws Exception {
      return issue(accounts, BrokerAccount.service(name));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List broker accounts.")
  static final class ListAccounts extends OnDatabase {
    @Override
    int run(BrokerAccounts accounts) throws Exception {
      System.out.printf("%-40s %s%n", "USER", "ROLE");
      for (BrokerAccounts.Stored s : accounts.all())
        System.out.printf(
            "%-40s %s%n", s.account().username(), s.account().role().name().toLowerCase());
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a broker account; its clients are refused from their next connect.")
  static final class Remove extends OnDatabase {
    @Parameters(paramLabel = "USER")
    String user;

    @Override
    int run(BrokerAccounts accounts) throws Exception {
      if (accounts.remove(user)) {
        System.out.println("removed " + user);
        return 0;
      }
      System.err.println("no broker account " + user);
      return 1;
    }
  }

  @Command(
      name = "export-mosquitto",
      mixinStandardHelpOptions = true,
      description = {
        "Write Mosquitto's password files, ACL file and listeners for every broker account:",
        "the rules the embedded broker enforces, gateways and services on listeners of their own.",
        "Mosquitto rereads the password and ACL files on SIGHUP (listeners need a restart)."
      })
  static final class ExportMosquitto extends OnDatabase {
    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description =
            "where to write outfall.passwd, outfall-services.passwd, outfall.acl and outfall.conf")
    Path dir;

    @Option(
        names = "--gateway-listener",
        defaultValue = "1883",
        paramLabel = "PORT[ ADDRESS]",
        description = "where gateways log in with passwords (default: ${DEFAULT-VALUE})")
    String gateways;

    @Option(
        names = "--service-listener",
        defaultValue = "1884 127.0.0.1",
        paramLabel = "PORT[ ADDRESS]",
        description =
            "where Outfall's servers log in; keep it off the plants' network (default: ${DEFAULT-VALUE})")
    String services;

    @Option(
        names = "--certificate-listener",
        paramLabel = "PORT[ ADDRESS]",
        description =
            "also a TLS listener for gateways with client certificates (needs --cafile, --certfile, --keyfile)")
    String certificates;

    @Option(
        names = "--cafile",
        paramLabel = "PEM",
        description = "CA that signs gateways' certificates")
    Path caFile;

    @Option(names = "--certfile", paramLabel = "PEM", description = "the broker's certificate")
    Path certFile;

    @Option(names = "--keyfile", paramLabel = "PEM", description = "the broker's private key")
    Path keyFile;

    @Override
    int run(BrokerAccounts accounts) throws Exception {
      if (certificates != null && (caFile == null || certFile == null || keyFile == null))
        throw new IllegalArgumentException(
            "--certificate-listener needs --cafile, --certfile and --keyfile");
      var listeners =
          new MosquittoFiles.Listeners(
              gateways,
              services,
              certificates == null
                  ? null
                  : new MosquittoFiles.Certificates(certificates, caFile, certFile, keyFile));
      var all = accounts.all();
      for (Path p : MosquittoFiles.write(dir, all, listeners)) System.out.println("wrote " + p);
      System.out.println(
          all.size()
              + " accounts; outfall.conf holds the listeners: copy it into mosquitto.conf or"
              + " include its directory (include_dir). Ingest's mqtt.url: the service listener.");
      return 0;
    }
  }
}
