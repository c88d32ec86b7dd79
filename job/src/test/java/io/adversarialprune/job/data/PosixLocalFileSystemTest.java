package io.adversarialprune.job.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code file:} scheme through {@link PosixLocalFileSystem}: the same files, checksums and
 * permissions as Hadoop's own local file system, set without a {@code chmod} process.
 */
class PosixLocalFileSystemTest {
  @TempDir java.nio.file.Path dir;

  @Test
  void mapsEveryActionBitToItsPosixPermission() {
    for (String mode : new String[] {"755", "644", "700", "640", "000", "777", "421"}) {
      FsPermission permission = new FsPermission(mode);
      assertThat(PosixFilePermissions.toString(PosixLocalFileSystem.posix(permission)))
          .as(mode)
          .isEqualTo(permission.toString());
    }
  }

  @Test
  void createsFilesAndDirectoriesWithHadoopsPermissionsAndChecksums() throws Exception {
    try (FileSystem fs =
        FileSystem.newInstance(dir.toUri(), PosixLocalFileSystem.configuration())) {
      assertThat(fs).isInstanceOf(PosixLocalFileSystem.class);
      Path sub = new Path(dir.toUri().toString(), "a/b");
      assertThat(fs.mkdirs(sub, new FsPermission("750"))).isTrue();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))))
          .isEqualTo("rwxr-x---");
      Path file = new Path(sub, "part.txt");
      try (OutputStream out =
          fs.create(file, new FsPermission("640"), false, 4096, (short) 1, 1 << 20, null)) {
        out.write("unit".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(Files.readString(dir.resolve("a/b/part.txt"))).isEqualTo("unit");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dir.resolve("a/b/part.txt"))))
          .isEqualTo("rw-r-----");
      // still Hadoop's checksummed local file system
      assertThat(Files.exists(dir.resolve("a/b/.part.txt.crc"))).isTrue();
      fs.setPermission(file, new FsPermission("600"));
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dir.resolve("a/b/part.txt"))))
          .isEqualTo("rw-------");
    }
  }
}
