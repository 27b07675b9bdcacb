package io.outfall.ingest.donre;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.background.Daemons;
import io.outfall.ingest.intake.BatchValidator;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.IntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.Authentication;
import org.apache.ftpserver.ftplet.AuthenticationFailedException;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.DefaultFtplet;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.ftplet.FtpSession;
import org.apache.ftpserver.ftplet.FtpletResult;
import org.apache.ftpserver.ftplet.User;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.impl.DefaultFtpServer;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.ssl.SslConfigurationFactory;
import org.apache.ftpserver.usermanager.UsernamePasswordAuthentication;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.ConcurrentLoginPermission;
import org.apache.ftpserver.usermanager.impl.WritePermission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a station's existing data logger sends its department files instead (or as well): an FTP
 * server (Apache FtpServer; FTPS with explicit TLS when a certificate is configured). A logger logs
 * in with its gateway's broker account ({@code outfall gateways add SITE/NAME}) and may only write
 * stations of that site, as on MQTT. Each file becomes readings by the normal path: the validator,
 * the writer's idempotent storage, compliance and the live feed; uploading a file twice stores
 * nothing twice.
 *
 * <p>Nothing received is lost: a file is kept with its bytes in the database ({@code
 * donre_intake_files}) before anything else happens to it, and one the server stopped over is taken
 * up again at the next start. A file it cannot take whole is <b>quarantined</b> with its reason:
 *
 * <ul>
 *   <li>its name does not follow {@code donre.file-name} for this province and the login's site
 *       ({@code bad_name}), its bytes are not text in {@code donre.encoding} ({@code encoding}), or
 *       a line is not five well-formed fields ({@code malformed}): nothing of it is stored, because
 *       one bad line means the lines cannot be told apart reliably;
 *   <li>its station belongs to another site ({@code station_site_mismatch}): nothing is stored;
 *   <li>otherwise each line is judged alone: a symbol the province's map does not know ({@code
 *       unknown_parameter}) or a reading the validator refuses (its reason, e.g. {@code
 *       unit_mismatch}) is left out, the file is quarantined under the first such reason, and its
 *       good lines are stored.
 * </ul>
 *
 * A file is taken when its upload ends under a final name, or when it is renamed to one (a logger
 * that uploads under a temporary name, {@code *.part}, {@code *.tmp} or a leading dot, and renames,
 * as Outfall itself does).
 */
public final class LoggerIntake implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoggerIntake.class);

  private final DonreSettings settings;
  private final Intervals intervals;
  private final BrokerAccounts accounts;
  private final ParameterCatalog catalog;
  private final BatchValidator validator;
  private final ReadingWriter writer;
  private final IntakeMetrics intakeMetrics;
  private final RegulatorMetrics metrics;
  private final IntakeFiles files;
  private final DataSource ds;
  private final ReadingsCodec codec = new ReadingsCodec();
  private final ExecutorService acks = Daemons.single("outfall-donre-intake");
  private FtpServer server;
  private int port;

  LoggerIntake(
      DataSource ds,
      DonreSettings settings,
      Intervals intervals,
      BrokerAccounts accounts,
      ParameterCatalog catalog,
      BatchValidator validator,
      ReadingWriter writer,
      IntakeMetrics intakeMetrics,
      RegulatorMetrics metrics) {
    this.ds = ds;
    this.settings = settings;
    this.intervals = intervals;
    this.accounts = accounts;
    this.catalog = catalog;
    this.validator = validator;
    this.writer = writer;
    this.intakeMetrics = intakeMetrics;
    this.metrics = metrics;
    this.files = new IntakeFiles(ds);
  }

  /** Takes up what a stop interrupted, then listens. */
  void start() throws Exception {
    Files.createDirectories(settings.intakeDir());
    for (IntakeFiles.Received r : files.unfinished()) process(r);
    pickUpLeftovers();
    FtpServerFactory factory = new FtpServerFactory();
    ListenerFactory listener = new ListenerFactory();
    listener.setServerAddress(settings.intakeHost());
    listener.setPort(settings.intakePort());
    if (settings.intakeKeystore() != null) {
      SslConfigurationFactory ssl = new SslConfigurationFactory();
      ssl.setKeystoreFile(settings.intakeKeystore().toFile());
      ssl.setKeystorePassword(settings.intakeKeystorePassword());
      listener.setSslConfiguration(ssl.createSslConfiguration());
      listener.setImplicitSsl(false);
    }
    DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
    if (!settings.intakePassivePorts().isEmpty())
      data.setPassivePorts(settings.intakePassivePorts());
    listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
    factory.addListener("default", listener.createListener());
    factory.setUserManager(new Accounts());
    factory.setFtplets(new HashMap<>(Map.of("outfall", new Taker()))); // it clears it on stop
    server = factory.createServer();
    server.start();
    port = ((DefaultFtpServer) server).getListener("default").getPort();
    log.info(
        "regulator link: loggers upload to ftp{}://{}:{}",
        settings.intakeKeystore() == null ? "" : "s (explicit TLS)",
        settings.intakeHost(),
        port);
  }

  public int port() {
    return port;
  }

  /** Files a stop left in the upload folder before they reached the database. */
  private void pickUpLeftovers() throws IOException {
    try (Stream<Path> all = Files.walk(settings.intakeDir())) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        Path rel = settings.intakeDir().relativize(p);
        if (rel.getNameCount() != 3 || temporary(p.getFileName().toString())) continue;
        String site = rel.getName(0).toString();
        String gateway = rel.getName(1).toString();
        take(site + "/" + gateway, site, gateway, p.getFileName().toString(), p);
      }
    }
  }

  /** A file as uploaded by {@code account}: kept, removed from the folder, then processed. */
  private void take(String account, String site, String gateway, String name, Path file) {
    try {
      byte[] content = Files.readAllBytes(file);
      long id = files.received(account, site, name, content);
      Files.deleteIfExists(file);
      process(new IntakeFiles.Received(id, account, site, gateway, name, content));
    } catch (IOException | SQLException e) {
      // left in the folder, or kept as received: the next start takes it up
      log.warn("regulator link: {} from {} not taken yet: {}", name, account, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopping: kept as received, taken up at the next start
    }
  }

  private void process(IntakeFiles.Received r) throws SQLException, InterruptedException {
    Optional<FileNames.Parsed> named = settings.names().parse(r.fileName(), r.site());
    if (named.isEmpty()) {
      quarantine(
          r, "bad_name", "the name does not follow " + "donre.file-name for site " + r.site());
      return;
    }
    List<DonreFile.Line> lines;
    try {
      lines = settings.format().read(r.content());
    } catch (DonreFile.Unreadable e) {
      quarantine(r, e.reason(), e.getMessage());
      return;
    }
    String station = named.get().station();
    String owner = siteOf(station);
    if (owner != null && !owner.equals(r.site())) {
      quarantine(
          r,
          "station_site_mismatch",
          "station " + station + " belongs to site " + owner + ", not to " + r.site());
      return;
    }
    Map<String, String> problems = new LinkedHashMap<>();
    List<Reading> readings = new ArrayList<>();
    for (DonreFile.Line l : lines) {
      SymbolMap.Symbol s = settings.symbols().forSymbol(l.symbol());
      ParameterCatalog.Parameter p = s == null ? null : catalog.byCode(s.parameter());
      if (p == null) {
        problems.putIfAbsent("unknown_parameter", "no parameter has the symbol " + l.symbol());
        continue;
      }
      String unit = l.unit().equalsIgnoreCase(s.unit()) ? p.unit() : l.unit();
      readings.add(
          new Reading(
              station,
              p.code(),
              intervals.instant(l.time()).toEpochMilli(),
              l.value(),
              unit,
              l.status()));
    }
    AtomicInteger good = new AtomicInteger();
    Inbound in = readings.isEmpty() ? null : validate(r, readings, good);
    if (in != null)
      for (Inbound.Rejection x : in.rejections())
        problems.putIfAbsent(x.reason().label(), x.detail());
    if (!problems.isEmpty()) {
      var first = problems.entrySet().iterator().next();
      quarantine(r, first.getKey(), String.join("; ", problems.values()));
    } else {
      metrics.received("stored");
    }
    if (in == null || in.rows().isEmpty()) return;
    good.set(in.rows().size());
    // only the good rows: what was refused is kept here, with the file, not as dead letters too
    writer.submit(
        new Inbound(
            in.delivery(),
            in.site(),
            in.gateway(),
            in.seq(),
            in.rows(),
            List.of(),
            0,
            in.receivedAtNanos()));
  }

  /** Validates as the MQTT path does; the ack marks the file with {@code stored} readings. */
  private Inbound validate(IntakeFiles.Received r, List<Reading> readings, AtomicInteger stored) {
    String gateway = r.gateway() != null ? r.gateway() : r.account();
    byte[] payload =
        codec.encode(new ReadingsBatch(gateway, r.id(), System.currentTimeMillis(), readings));
    Delivery d =
        new Delivery(
            Topics.readings(r.site(), gateway),
            payload,
            PayloadFormat.JSON.contentType(),
            () -> acks.execute(() -> stored(r.id(), stored.get())));
    intakeMetrics.received(payload.length);
    return validator.validate(d);
  }

  private void stored(long id, int readings) {
    try {
      files.stored(id, readings);
    } catch (SQLException e) {
      log.warn("regulator link: intake file {} stored, not marked: {}", id, e.toString());
    }
  }

  private void quarantine(IntakeFiles.Received r, String reason, String detail)
      throws SQLException {
    files.quarantined(r.id(), reason, detail);
    metrics.received("quarantined");
    metrics.quarantined(reason);
    log.warn(
        "regulator link: {} from {} quarantined ({}): {}",
        r.fileName(),
        r.account(),
        reason,
        detail);
  }

  private String siteOf(String station) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT si.code FROM stations st JOIN sites si ON si.id = st.site_id"
                    + " WHERE st.code = ?")) {
      ps.setString(1, station);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static boolean temporary(String name) {
    return name.startsWith(".") || name.endsWith(FtpUploader.PART) || name.endsWith(".tmp");
  }

  /** Gateway broker accounts log in; each writes in a folder of its own. */
  private final class Accounts implements UserManager {
    @Override
    public User authenticate(Authentication auth) throws AuthenticationFailedException {
      if (!(auth instanceof UsernamePasswordAuthentication up) || up.getPassword() == null)
        throw new AuthenticationFailedException("a gateway's user name and password are required");
      Optional<BrokerAccount> account;
      try {
        account = accounts.authenticate(up.getUsername(), up.getPassword());
      } catch (SQLException e) {
        throw new AuthenticationFailedException("accounts unavailable: " + e.getMessage());
      }
      if (account.isEmpty() || account.get().role() != BrokerAccount.Role.GATEWAY)
        throw new AuthenticationFailedException("wrong user name or password");
      return user(account.get());
    }

    private User user(BrokerAccount a) {
      Path home = settings.intakeDir().resolve(a.site()).resolve(a.gateway());
      try {
        Files.createDirectories(home);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      BaseUser u = new BaseUser();
      u.setName(a.username());
      u.setHomeDirectory(home.toAbsolutePath().toString());
      u.setEnabled(true);
      u.setAuthorities(List.of(new WritePermission(), new ConcurrentLoginPermission(20, 20)));
      return u;
    }

    @Override
    public User getUserByName(String name) throws FtpException {
      try {
        return accounts
            .find(name)
            .filter(a -> a.role() == BrokerAccount.Role.GATEWAY)
            .map(this::user)
            .orElse(null);
      } catch (SQLException e) {
        throw new FtpException(e.getMessage(), e);
      }
    }

    @Override
    public String[] getAllUserNames() {
      return new String[0];
    }

    @Override
    public void delete(String name) throws FtpException {
      throw new FtpException("accounts are managed with 'outfall gateways'");
    }

    @Override
    public void save(User user) throws FtpException {
      throw new FtpException("accounts are managed with 'outfall gateways'");
    }

    @Override
    public boolean doesExist(String name) throws FtpException {
      return getUserByName(name) != null;
    }

    @Override
    public String getAdminName() {
      return "";
    }

    @Override
    public boolean isAdmin(String name) {
      return false;
    }
  }

  /**
   * Takes a file when its upload ends under a final name or it is renamed to one; with a
   * certificate configured, refuses a login before AUTH TLS and a transfer before PROT P, so
   * neither a password nor a file crosses in the clear.
   */
  private final class Taker extends DefaultFtplet {
    private static final Set<String> DATA_COMMANDS =
        Set.of("STOR", "STOU", "APPE", "RETR", "LIST", "NLST", "MLSD");

    @Override
    public FtpletResult beforeCommand(FtpSession session, FtpRequest request)
        throws FtpException, IOException {
      if (settings.intakeKeystore() == null) return super.beforeCommand(session, request);
      String command = request.getCommand().toUpperCase(Locale.ROOT);
      if (command.equals("USER") && !session.isSecure()) {
        session.write(new DefaultFtpReply(530, "TLS is required: send AUTH TLS before USER"));
        return FtpletResult.SKIP;
      }
      if (DATA_COMMANDS.contains(command) && !session.getDataConnection().isSecure()) {
        // RFC 4217: 521 when the data channel's protection is not acceptable
        session.write(new DefaultFtpReply(521, "the data channel must be protected: send PROT P"));
        return FtpletResult.SKIP;
      }
      return super.beforeCommand(session, request);
    }

    @Override
    public FtpletResult onUploadEnd(FtpSession session, FtpRequest request)
        throws FtpException, IOException {
      takeIfFinal(session, session.getFileSystemView().getFile(request.getArgument()));
      return FtpletResult.DEFAULT;
    }

    @Override
    public FtpletResult onRenameEnd(FtpSession session, FtpRequest request)
        throws FtpException, IOException {
      takeIfFinal(session, session.getFileSystemView().getFile(request.getArgument()));
      return FtpletResult.DEFAULT;
    }

    private void takeIfFinal(FtpSession session, FtpFile file) throws FtpException {
      if (file == null || temporary(file.getName())) return;
      BrokerAccount a;
      try {
        a = accounts.find(session.getUser().getName()).orElseThrow();
      } catch (SQLException e) {
        throw new FtpException(e.getMessage(), e);
      }
      take(
          a.username(),
          a.site(),
          a.gateway(),
          file.getName(),
          ((File) file.getPhysicalFile()).toPath());
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (server != null) server.stop();
    acks.shutdown();
    acks.awaitTermination(10, TimeUnit.SECONDS);
  }
}
