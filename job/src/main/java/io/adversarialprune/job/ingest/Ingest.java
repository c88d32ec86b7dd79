package io.adversarialprune.job.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.data.DatasetWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;

/**
 * Converts image datasets into the canonical Parquet layout. Sources are enumerated in a fixed
 * order (file order for IDX; class folders and files sorted by name otherwise), so ingesting the
 * same source twice gives the same ids in the same order.
 *
 * <p>Every image is decoded once with the JDK's ImageIO to prove it readable; its original bytes
 * are stored (IDX pixels are encoded to PNG). Any problem aborts the whole ingest and nothing is
 * left at the destination.
 */
public final class Ingest {
  private static final String[] IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"};

  private Ingest() {}

  /** IDX images [n, rows, cols] plus IDX labels [n], labels in [0, classes). */
  public static long fromIdx(Path images, Path labels, int classes, String destination)
      throws IOException {
    IdxFile img = IdxFile.read(images, 3);
    IdxFile lab = IdxFile.read(labels, 1);
    if (img.count() != lab.count()) {
      throw new UserInputException(
          "IDX images "
              + images
              + " hold "
              + img.count()
              + " items but labels "
              + labels
              + " hold "
              + lab.count());
    }
    int rows = img.dims()[1];
    int cols = img.dims()[2];
    int size = img.itemSize();
    String name = images.getFileName().toString();
    List<Sample> samples = new ArrayList<>(img.count());
    for (int i = 0; i < img.count(); i++) {
      int label = Byte.toUnsignedInt(lab.data()[i]);
      checkLabel(label, classes, "IDX labels " + labels + " item " + i);
      int offset = i * size;
      samples.add(
          new Sample(label, name + "#" + i, () -> encodeGrayPng(img.data(), offset, rows, cols)));
    }
    return write(samples.iterator(), destination, false);
  }

  /** One sub-folder per class under {@code root}; classes numbered in folder-name order. */
  public static long fromImageFolder(Path root, String destination) throws IOException {
    requireDirectory(root, "image folder root");
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(root)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    }
    if (classDirs.isEmpty()) {
      throw new UserInputException("image folder " + root + " has no class sub-folders");
    }
    List<Sample> samples = new ArrayList<>();
    for (int label = 0; label < classDirs.size(); label++) {
      List<Path> files;
      try (Stream<Path> s = Files.list(classDirs.get(label))) {
        files = s.filter(Ingest::isImageFile).sorted().toList();
      }
      for (Path f : files) {
        samples.add(new Sample(label, root.relativize(f).toString(), () -> Files.readAllBytes(f)));
      }
    }
    return write(samples.iterator(), destination, true);
  }

  /**
   * A flat folder of images plus a JSON map {@code {file name: {"class_id": n, ...}}}, the layout
   * of the study's ImageNet subset. Files are taken in file-name order.
   */
  public static long fromJsonMap(Path imageDir, Path mapFile, int classes, String destination)
      throws IOException {
    requireDirectory(imageDir, "image folder");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(mapFile.toFile());
    } catch (java.io.FileNotFoundException e) {
      throw new UserInputException("JSON label map not found: " + mapFile);
    } catch (IOException e) {
      throw new UserInputException(
          "JSON label map " + mapFile + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new UserInputException(
          "JSON label map " + mapFile + " must be an object {file name: {\"class_id\": n}}");
    }
    Map<String, Integer> labels = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode id = e.getValue().get("class_id");
      if (id == null || !id.canConvertToInt() || !id.isIntegralNumber()) {
        throw new UserInputException(
            "JSON label map "
                + mapFile
                + " entry \""
                + e.getKey()
                + "\" has no integer \"class_id\"");
      }
      checkLabel(
          id.asInt(), classes, "JSON label map " + mapFile + " entry \"" + e.getKey() + "\"");
      labels.put(e.getKey(), id.asInt());
    }
    if (labels.isEmpty()) {
      throw new UserInputException("JSON label map " + mapFile + " names no files");
    }
    List<Sample> samples = new ArrayList<>(labels.size());
    for (Map.Entry<String, Integer> e : labels.entrySet()) {
      Path f = imageDir.resolve(e.getKey());
      if (!Files.isRegularFile(f)) {
        throw new UserInputException(
            "JSON label map "
                + mapFile
                + " names "
                + e.getKey()
                + ", which is missing from "
                + imageDir);
      }
      samples.add(new Sample(e.getValue(), e.getKey(), () -> Files.readAllBytes(f)));
    }
    return write(samples.iterator(), destination, true);
  }

  private static long write(Iterator<Sample> samples, String destination, boolean decodeCheck)
      throws IOException {
    try (DatasetWriter out = new DatasetWriter(destination, new Configuration())) {
      long id = 0;
      while (samples.hasNext()) {
        Sample s = samples.next();
        byte[] bytes;
        try {
          bytes = s.bytes().load();
        } catch (NoSuchFileException e) {
          throw new UserInputException("image " + s.path() + " disappeared while ingesting");
        } catch (IOException | UncheckedIOException e) {
          throw new UserInputException("image " + s.path() + " is unreadable: " + e.getMessage());
        }
        if (decodeCheck) {
          checkDecodable(bytes, s.path());
        }
        out.write(id++, s.label(), bytes, s.path());
      }
      out.commit();
      return out.rows();
    } catch (IllegalArgumentException e) {
      throw new UserInputException(e.getMessage(), e);
    }
  }

  private static void checkDecodable(byte[] bytes, String path) {
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new UserInputException("image " + path + " cannot be decoded: " + e.getMessage());
    }
    if (image == null) {
      throw new UserInputException(
          "image " + path + " cannot be decoded: not a PNG, JPEG, BMP or GIF image");
    }
  }

  private static byte[] encodeGrayPng(byte[] pixels, int offset, int rows, int cols) {
    BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
    image
        .getRaster()
        .setDataElements(
            0, 0, cols, rows, java.util.Arrays.copyOfRange(pixels, offset, offset + rows * cols));
    ByteArrayOutputStream out = new ByteArrayOutputStream(rows * cols);
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void checkLabel(int label, int classes, String where) {
    if (label < 0 || label >= classes) {
      throw new UserInputException(
          where + " has label " + label + ", outside the declared classes [0, " + classes + ")");
    }
  }

  private static void requireDirectory(Path dir, String what) {
    if (!Files.isDirectory(dir)) {
      throw new UserInputException(what + " not found or not a directory: " + dir);
    }
  }

  private static boolean isImageFile(Path p) {
    if (!Files.isRegularFile(p)) {
      return false;
    }
    String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    for (String s : IMAGE_SUFFIXES) {
      if (n.endsWith(s)) {
        return true;
      }
    }
    return false;
  }
}
