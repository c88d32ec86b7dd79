package io.adversarialprune.job.results;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests, from the Debian package {@code postgresql} (binaries
 * under {@code /usr/lib/postgresql/VERSION/bin}, the highest version wins).
 *
 * <p>Lifecycle: {@link #start} runs {@code initdb} into {@code dir/pgdata} (trust auth, superuser
 * {@value #USER}, locale C, UTF8, fsync off), starts the server with {@code pg_ctl -w start}
 * listening on a free port of 127.0.0.1 only (no Unix socket: a socket's path inside a deep {@code
 * dir} would pass the 107-byte limit, and every client here uses TCP), and creates the database
 * {@value #DATABASE}. {@link #close} stops it with {@code pg_ctl -m immediate stop}; the files stay
 * in {@code dir} for the caller (a {@code @TempDir}) to delete. Every process's output, the
 * server's log included, is appended to {@code dir/postgres.log}, whose tail a failure quotes.
 *
 * <p>PostgreSQL refuses to run as root. Under root (as tests and CI run) every command runs as the
 * Debian package's system user {@code postgres} (or {@code nobody} where that is absent) through
 * {@code runuser -u USER --}; {@code pgdata} is owned by that user and {@code dir} gains
 * others-execute so that the user can reach it. Its parents must already be traversable (as /tmp
 * is). Under another user the commands run directly.
 *
 * <p>A killed JVM leaves no server behind: a watchdog {@code sh}, started with the server, blocks
 * reading a pipe from this JVM and runs {@code pg_ctl -m immediate stop} when the pipe closes,
 * which the kernel does on any exit of the JVM, {@code kill -9} included (a shutdown hook would not
 * run then). {@link #close} stops the server itself and then ends the watchdog.
 */
final class PostgresServer implements AutoCloseable {

  static final String USER = "ap";
  static final String DATABASE = "test";
  private static final Path INSTALL_ROOT = Path.of("/usr/lib/postgresql");
  private static final File DEV_NULL = new File("/dev/null");

  private final Path bin;
  private final Path data;
  private final Path log;
  private final List<String> asUser;
  private int port;
  private Process watchdog;
  private boolean closed;

  private PostgresServer(Path bin, Path data, Path log, List<String> asUser) {
    this.bin = bin;
    this.data = data;
    this.log = log;
    this.asUser = asUser;
  }

  /** Creates a cluster under {@code dir} (created if absent) and starts it; see the class doc. */
  static PostgresServer start(Path dir) throws IOException, InterruptedException {
    Path bin = findBin();
    Files.createDirectories(dir);
    Path data = dir.resolve("pgdata");
    List<String> asUser = new ArrayList<>();
    if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") != 0) {
      Files.createDirectory(data);
    } else {
      String name = userExists("postgres") ? "postgres" : "nobody";
      for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
        if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          throw new IllegalStateException(p + " is not traversable by user " + name);
        }
      }
      Files.createDirectory(data);
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(data, users.lookupPrincipalByName(name));
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      var perms = Files.getPosixFilePermissions(dir);
      perms.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(dir, perms);
      asUser.addAll(List.of("runuser", "-u", name, "--"));
    }
    PostgresServer server = new PostgresServer(bin, data, dir.resolve("postgres.log"), asUser);
    try {
      server.startServer();
      return server;
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private void startServer() throws IOException, InterruptedException {
    run(
        "initdb",
        "-D",
        data.toString(),
        "--auth=trust",
        "-U",
        USER,
        "--no-sync",
        "--locale=C",
        "--encoding=UTF8");
    List<String> stop = command("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
    stop.addAll(0, List.of("sh", "-c", "while read -r _; do :; done; exec \"$@\"", "sh"));
    watchdog = builder(stop).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    for (int attempt = 1; ; attempt++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      // later lines of postgresql.conf override earlier ones, a retry's port included
      Files.writeString(
          data.resolve("postgresql.conf"),
          String.join(
              "\n",
              "",
              "listen_addresses = '127.0.0.1'",
              "port = " + port,
              "unix_socket_directories = ''",
              "fsync = off",
              "synchronous_commit = off",
              "full_page_writes = off",
              ""),
          StandardOpenOption.APPEND);
      try {
        run("pg_ctl", "-D", data.toString(), "-w", "-t", "60", "start");
        break;
      } catch (IllegalStateException e) {
        if (attempt == 3) { // the port was taken between probe and bind, three times over
          throw e;
        }
      }
    }
    run("createdb", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER, "-w", DATABASE);
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/test}. */
  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  String user() {
    return USER;
  }

  /** Any password does: the cluster trusts every local connection. */
  String password() {
    return "trust";
  }

  int port() {
    return port;
  }

  /** Stops the server ({@code pg_ctl -m immediate stop}) and the watchdog; idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      try {
        if (Files.exists(data.resolve("postmaster.pid"))) {
          run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "-t", "60", "stop");
        }
      } finally {
        if (watchdog != null) {
          watchdog.destroy(); // SIGTERM ends its `read` without running its stop command
          watchdog.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping the server in " + data);
    }
  }

  /** Runs {@code bin/NAME ARGS} as the unprivileged user; fails with the log's tail. */
  private void run(String name, String... args) throws IOException, InterruptedException {
    List<String> command = command(name, args);
    Process process =
        builder(command).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL)).start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw failure(command, "timed out");
    }
    if (process.exitValue() != 0) {
      throw failure(command, "exited with " + process.exitValue());
    }
  }

  private List<String> command(String name, String... args) {
    List<String> command = new ArrayList<>(asUser);
    command.add(bin.resolve(name).toString());
    command.addAll(List.of(args));
    return command;
  }

  private ProcessBuilder builder(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(data.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().put("LC_ALL", "C");
    return pb.redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  private IllegalStateException failure(List<String> command, String what) {
    String tail;
    try {
      List<String> lines = Files.readAllLines(log);
      tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      tail = "(unreadable: " + e + ")";
    }
    return new IllegalStateException(
        String.join(" ", command) + " " + what + "; the tail of " + log + ":\n" + tail);
  }

  private static Path findBin() throws IOException {
    if (Files.isDirectory(INSTALL_ROOT)) {
      try (Stream<Path> versions = Files.list(INSTALL_ROOT)) {
        var found =
            versions
                .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                .max(
                    Comparator.comparingDouble(
                        v -> Double.parseDouble(v.getFileName().toString())));
        if (found.isPresent()) {
          return found.get().resolve("bin");
        }
      }
    }
    throw new IllegalStateException(
        "no PostgreSQL server under "
            + INSTALL_ROOT
            + "/*/bin: install the Debian package postgresql (apt-get install postgresql)");
  }

  private static boolean userExists(String name) throws IOException {
    try {
      Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
      return true;
    } catch (UserPrincipalNotFoundException e) {
      return false;
    }
  }
}
