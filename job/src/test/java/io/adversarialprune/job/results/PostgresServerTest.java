package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PostgresServer}: a real server on loopback that takes SQL and is gone after close. */
class PostgresServerTest {

  @TempDir static Path dir;
  private static PostgresServer server;

  @BeforeAll
  static void start() throws IOException, InterruptedException {
    server = PostgresServer.start(dir);
  }

  @AfterAll
  static void stop() throws IOException {
    int port = server.port();
    server.close();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void storesAndReadsBackARow() throws SQLException {
    assertThat(server.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:");
    try (Connection c =
        DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password())) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE runs (id INT PRIMARY KEY, name TEXT NOT NULL)");
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO runs VALUES (?, ?)")) {
        insert.setInt(1, 7);
        insert.setString(2, "pgd-λ");
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id, name, current_database() FROM runs")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(7);
        assertThat(rs.getString(2)).isEqualTo("pgd-λ");
        assertThat(rs.getString(3)).isEqualTo(PostgresServer.DATABASE);
        assertThat(rs.next()).isFalse();
      }
    }
  }
}
