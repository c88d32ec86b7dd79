package io.adversarialprune.job.ingest;

import static io.adversarialprune.job.ingest.IngestFixtures.COLS;
import static io.adversarialprune.job.ingest.IngestFixtures.IDX_LABELS;
import static io.adversarialprune.job.ingest.IngestFixtures.IDX_PIXELS;
import static io.adversarialprune.job.ingest.IngestFixtures.ROWS;
import static io.adversarialprune.job.ingest.IngestFixtures.argb;
import static io.adversarialprune.job.ingest.IngestFixtures.image;
import static io.adversarialprune.job.ingest.IngestFixtures.rgb;
import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.data.DatasetReader;
import io.adversarialprune.job.data.DatasetReader.Record;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three ingest sources produce the canonical layout: ids 0..n-1 in source order, labels, {@code
 * image.path}, bytes that decode to the source pixels, and a schema Spark reads as image
 * struct&lt;bytes, path&gt;, label int, id long. Fixtures are written by hand per test.
 */
class IngestTest {
  private static final String SPARK_SCHEMA =
      "struct<image:struct<bytes:binary,path:string>,label:int,id:bigint>";

  private static SparkSession spark;

  @TempDir Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("IngestTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "1")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void idxRoundTripsPixelsExactly(boolean gzip) throws Exception {
    String suffix = gzip ? "-ubyte.gz" : "-ubyte";
    Path images = IngestFixtures.idxImages(tmp.resolve("src/t10k-images-idx3" + suffix), gzip);
    Path labels =
        IngestFixtures.idxLabels(tmp.resolve("src/t10k-labels-idx1" + suffix), gzip, IDX_LABELS);
    String out = tmp.resolve("ds").toString();

    assertThat(Ingest.fromIdx(images, labels, 10, out)).isEqualTo(3);

    List<Record> records = readAll(out);
    assertThat(records).extracting(Record::id).containsExactly(0L, 1L, 2L);
    assertThat(records).extracting(Record::label).containsExactly(7, 0, 9);
    assertThat(records)
        .extracting(Record::path)
        .containsExactly(
            "t10k-images-idx3" + suffix + "#0",
            "t10k-images-idx3" + suffix + "#1",
            "t10k-images-idx3" + suffix + "#2");
    for (int i = 0; i < records.size(); i++) {
      byte[] png = records.get(i).bytes();
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      BufferedImage decoded = decode(png);
      assertThat(decoded.getWidth()).isEqualTo(COLS);
      assertThat(decoded.getHeight()).isEqualTo(ROWS);
      byte[] gray = (byte[]) decoded.getRaster().getDataElements(0, 0, COLS, ROWS, null);
      assertThat(gray).as("pixels of item %d", i).containsExactly(IDX_PIXELS[i]);
    }
    assertSparkReads(out, List.of(7, 0, 9));
  }

  @Test
  void imageFolderNumbersClassesAndFilesByName() throws Exception {
    Path root = tmp.resolve("folder");
    // Created out of order on purpose: classes and files must come out sorted by name.
    Path zebraB = image(root.resolve("zebra/b.png"), rgb(1), "png");
    Path zebraA = image(root.resolve("zebra/a.png"), rgb(2), "png");
    Path cat = image(root.resolve("cat/x.jpg"), rgb(3), "jpg");
    Path antB = image(root.resolve("ant/b2.png"), rgb(4), "png");
    Path antA = image(root.resolve("ant/a1.png"), rgb(5), "png");
    Files.writeString(root.resolve("ant/notes.txt"), "not an image");
    String out = tmp.resolve("ds").toString();

    assertThat(Ingest.fromImageFolder(root, out)).isEqualTo(5);

    List<Record> records = readAll(out);
    assertThat(records).extracting(Record::id).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(records).extracting(Record::label).containsExactly(0, 0, 1, 2, 2);
    assertThat(records)
        .extracting(Record::path)
        .containsExactly("ant/a1.png", "ant/b2.png", "cat/x.jpg", "zebra/a.png", "zebra/b.png");
    List<Path> sources = List.of(antA, antB, cat, zebraA, zebraB);
    for (int i = 0; i < records.size(); i++) {
      // Original encoded bytes are stored as they are, so pixels (even JPEG's) match the file's.
      assertThat(records.get(i).bytes()).isEqualTo(Files.readAllBytes(sources.get(i)));
    }
    assertThat(argb(decode(records.get(0).bytes()))).containsExactly(argb(rgb(5)));
    assertThat(argb(decode(records.get(4).bytes()))).containsExactly(argb(rgb(1)));
    assertSparkReads(out, List.of(0, 0, 1, 2, 2));
  }

  @Test
  void jsonMapTakesFilesInNameOrderWithTheirClassIds() throws Exception {
    Path dir = tmp.resolve("flat");
    Path b = image(dir.resolve("n02_b.png"), rgb(6), "png");
    Path a = image(dir.resolve("n01_a.jpg"), rgb(7), "jpg");
    Path c = image(dir.resolve("n03_c.png"), rgb(8), "png");
    image(dir.resolve("unmapped.png"), rgb(9), "png");
    Path map = tmp.resolve("labels.json");
    Files.writeString(
        map,
        """
        {"n03_c.png": {"class_id": 999, "name": "toilet tissue"},
         "n01_a.jpg": {"class_id": 0, "name": "tench"},
         "n02_b.png": {"class_id": 417, "name": "balloon"}}
        """);
    String out = tmp.resolve("ds").toString();

    assertThat(Ingest.fromJsonMap(dir, map, 1000, out)).isEqualTo(3);

    List<Record> records = readAll(out);
    assertThat(records).extracting(Record::id).containsExactly(0L, 1L, 2L);
    assertThat(records).extracting(Record::label).containsExactly(0, 417, 999);
    assertThat(records)
        .extracting(Record::path)
        .containsExactly("n01_a.jpg", "n02_b.png", "n03_c.png");
    assertThat(records.get(0).bytes()).isEqualTo(Files.readAllBytes(a));
    assertThat(records.get(1).bytes()).isEqualTo(Files.readAllBytes(b));
    assertThat(records.get(2).bytes()).isEqualTo(Files.readAllBytes(c));
    assertThat(argb(decode(records.get(1).bytes()))).containsExactly(argb(rgb(6)));
    assertSparkReads(out, List.of(0, 417, 999));
  }

  @Test
  void ingestingTheSameSourceTwiceGivesIdenticalContent() throws Exception {
    Path images = IngestFixtures.idxImages(tmp.resolve("src/images.gz"), true);
    Path labels = IngestFixtures.idxLabels(tmp.resolve("src/labels.gz"), true, IDX_LABELS);
    Path root = tmp.resolve("folder");
    image(root.resolve("b/2.png"), rgb(1), "png");
    image(root.resolve("b/1.jpg"), rgb(2), "jpg");
    image(root.resolve("a/9.png"), rgb(3), "png");

    Ingest.fromIdx(images, labels, 10, tmp.resolve("idx1").toString());
    Ingest.fromIdx(images, labels, 10, tmp.resolve("idx2").toString());
    Ingest.fromImageFolder(root, tmp.resolve("folder1").toString());
    Ingest.fromImageFolder(root, tmp.resolve("folder2").toString());

    assertSameContent(
        readAll(tmp.resolve("idx1").toString()), readAll(tmp.resolve("idx2").toString()));
    assertSameContent(
        readAll(tmp.resolve("folder1").toString()), readAll(tmp.resolve("folder2").toString()));
  }

  private static void assertSameContent(List<Record> first, List<Record> second) {
    assertThat(second).hasSameSizeAs(first).isNotEmpty();
    for (int i = 0; i < first.size(); i++) {
      Record a = first.get(i);
      Record b = second.get(i);
      assertThat(b.id()).as("id of row %d", i).isEqualTo(a.id());
      assertThat(b.label()).as("label of row %d", i).isEqualTo(a.label());
      assertThat(b.path()).as("path of row %d", i).isEqualTo(a.path());
      assertThat(b.bytes()).as("bytes of row %d", i).isEqualTo(a.bytes());
    }
  }

  private static void assertSparkReads(String location, List<Integer> labels) {
    Dataset<Row> df = spark.read().parquet(location);
    assertThat(df.schema().simpleString()).isEqualTo(SPARK_SCHEMA);
    List<Row> rows = df.orderBy("id").collectAsList();
    assertThat(rows).extracting(r -> r.<Long>getAs("id")).containsExactly(ids(labels.size()));
    assertThat(rows).extracting(r -> r.<Integer>getAs("label")).containsExactlyElementsOf(labels);
    assertThat(rows)
        .extracting(r -> r.<Row>getAs("image").<byte[]>getAs("bytes"))
        .allSatisfy(b -> assertThat(b).isNotEmpty());
  }

  private static Long[] ids(int n) {
    Long[] ids = new Long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = (long) i;
    }
    return ids;
  }

  private static List<Record> readAll(String location) throws IOException {
    return DatasetReader.read(location, 0, Long.MAX_VALUE, new Configuration());
  }

  private static BufferedImage decode(byte[] bytes) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(image).as("decodable image").isNotNull();
    return image;
  }
}
