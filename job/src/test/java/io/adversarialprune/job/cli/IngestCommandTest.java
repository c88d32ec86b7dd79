package io.adversarialprune.job.cli;

import static io.adversarialprune.job.ingest.IngestFixtures.IDX_LABELS;
import static io.adversarialprune.job.ingest.IngestFixtures.image;
import static io.adversarialprune.job.ingest.IngestFixtures.rgb;
import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.ingest.IngestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} through {@link Main#execute}: exit code 0 on success; on each kind of bad input,
 * exit code 2, an error naming the file and the problem, and nothing at the destination (not even
 * the hidden staging sibling).
 */
class IngestCommandTest {
  @TempDir Path tmp;

  private Path src;
  private Path outDir;
  private String out;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private PrintStream savedErr;
  private PrintStream savedOut;

  @BeforeEach
  void setUp() throws IOException {
    src = Files.createDirectories(tmp.resolve("src"));
    // The destination's parent holds nothing else, so any leftover shows in its listing.
    outDir = Files.createDirectories(tmp.resolve("out"));
    out = outDir.resolve("ds").toString();
    savedErr = System.err;
    savedOut = System.out;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStreams() {
    System.setErr(savedErr);
    System.setOut(savedOut);
  }

  @Test
  void idxSucceedsWithExitZero() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images.gz"), true);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);

    int code = Main.execute(idx(images, labels, "10"));

    assertThat(code).as(stderr()).isEqualTo(Main.EXIT_OK);
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("wrote 3 images to " + out);
    assertThat(leftovers()).containsExactly("ds");
    assertThat(outDir.resolve("ds/part-00000.parquet")).isRegularFile();
  }

  @Test
  void missingIdxFile() throws IOException {
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);
    Path missing = src.resolve("no-such-images");

    assertFailsCleanly(idx(missing, labels, "10"), missing.toString(), "not found");
  }

  @Test
  void missingImageFolder() {
    Path missing = src.resolve("no-such-folder");

    assertFailsCleanly(
        new String[] {"ingest", "image-folder", "--root", missing.toString(), "--out", out},
        missing.toString(),
        "not found");
  }

  @Test
  void truncatedIdx() throws IOException {
    // Header promises 3 x 2 x 3 = 18 bytes; only 10 follow.
    Path images =
        IngestFixtures.idx(src.resolve("images"), false, 0x803, new int[] {3, 2, 3}, new byte[10]);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);

    assertFailsCleanly(idx(images, labels, "10"), images.toString(), "truncated");
  }

  @Test
  void truncatedGzippedIdx() throws IOException {
    Path whole = IngestFixtures.idxImages(src.resolve("whole.gz"), true);
    byte[] gz = Files.readAllBytes(whole);
    Path images = src.resolve("images.gz");
    Files.write(images, Arrays.copyOf(gz, gz.length - 12));
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);

    assertFailsCleanly(idx(images, labels, "10"), images.toString(), "truncated");
  }

  @Test
  void wrongMagicIdx() throws IOException {
    Path images =
        IngestFixtures.idx(src.resolve("images"), false, 0x1234_5678, new int[] {3}, new byte[3]);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);

    assertFailsCleanly(idx(images, labels, "10"), images.toString(), "wrong magic number");
  }

  @Test
  void unreadableImage() throws IOException {
    Path root = src.resolve("folder");
    image(root.resolve("cat/a.png"), rgb(1), "png");
    Files.write(
        root.resolve("cat/broken.png"), "this is not a png".getBytes(StandardCharsets.UTF_8));

    assertFailsCleanly(
        new String[] {"ingest", "image-folder", "--root", root.toString(), "--out", out},
        "cat/broken.png",
        "cannot be decoded");
  }

  @Test
  void idxLabelOutsideDeclaredClasses() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images"), false);
    Path labels =
        IngestFixtures.idxLabels(src.resolve("labels"), false, (byte) 1, (byte) 2, (byte) 3);

    assertFailsCleanly(idx(images, labels, "3"), labels.toString(), "outside the declared classes");
  }

  @Test
  void jsonClassIdOutsideDeclaredClasses() throws IOException {
    Path dir = src.resolve("flat");
    image(dir.resolve("a.png"), rgb(1), "png");
    Path map = src.resolve("map.json");
    Files.writeString(map, "{\"a.png\": {\"class_id\": 10}}");

    assertFailsCleanly(jsonMap(dir, map, "10"), map.toString(), "outside the declared classes");
  }

  @Test
  void imageAndLabelCountsDiffer() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images"), false);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, (byte) 1, (byte) 2);

    assertFailsCleanly(idx(images, labels, "10"), labels.toString(), "hold 3 items");
  }

  @Test
  void jsonMapNamesMissingFile() throws IOException {
    Path dir = src.resolve("flat");
    image(dir.resolve("a.png"), rgb(1), "png");
    Path map = src.resolve("map.json");
    Files.writeString(map, "{\"a.png\": {\"class_id\": 1}, \"gone.png\": {\"class_id\": 2}}");

    assertFailsCleanly(jsonMap(dir, map, "10"), "gone.png", "missing");
  }

  @Test
  void destinationAlreadyExists() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images"), false);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);
    Path existing = Files.createDirectories(outDir.resolve("ds"));
    Files.writeString(existing.resolve("keep.txt"), "mine");

    int code = Main.execute(idx(images, labels, "10"));

    assertThat(code).as(stderr()).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains(out).contains("already exists");
    // The existing destination is left exactly as it was, and no staging sibling appears.
    assertThat(leftovers()).containsExactly("ds");
    try (Stream<Path> s = Files.list(existing)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("keep.txt");
    }
    assertThat(existing.resolve("keep.txt")).hasContent("mine");
  }

  private void assertFailsCleanly(String[] args, String file, String problem) {
    int code = Main.execute(args);

    assertThat(code).as(stderr()).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).startsWith("error: ").contains(file).contains(problem);
    assertThat(leftovers()).as("entries left next to the destination").isEmpty();
  }

  private String[] idx(Path images, Path labels, String classes) {
    return new String[] {
      "ingest",
      "idx",
      "--images",
      images.toString(),
      "--labels",
      labels.toString(),
      "--classes",
      classes,
      "--out",
      out
    };
  }

  private String[] jsonMap(Path dir, Path map, String classes) {
    return new String[] {
      "ingest",
      "json-map",
      "--images",
      dir.toString(),
      "--map",
      map.toString(),
      "--classes",
      classes,
      "--out",
      out
    };
  }

  private List<String> leftovers() {
    try (Stream<Path> s = Files.list(outDir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anOutWhoseParentIsAFileIsNamedAndNothingIsWritten() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images.gz"), true);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);
    Path file = Files.writeString(outDir.resolve("a-file"), "x");
    out = file.resolve("sub").toString();

    int code = Main.execute(idx(images, labels, "10"));

    assertThat(code).as(stderr()).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr())
        .startsWith("error: --out " + out + " cannot be created: " + file + " is a file")
        .doesNotContain("\tat ");
    assertThat(leftovers()).containsExactly("a-file");
  }

  @Test
  void zeroClassesIsRefusedNamingTheOption() throws IOException {
    Path images = IngestFixtures.idxImages(src.resolve("images.gz"), true);
    Path labels = IngestFixtures.idxLabels(src.resolve("labels"), false, IDX_LABELS);

    int code = Main.execute(idx(images, labels, "0"));

    assertThat(code).as(stderr()).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--classes must be at least 1, got 0");
    assertThat(leftovers()).isEmpty();
  }
}
