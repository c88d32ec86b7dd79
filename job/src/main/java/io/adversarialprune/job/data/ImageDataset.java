package io.adversarialprune.job.data;

import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * The canonical dataset layout: Parquet laid out like image datasets on the Hugging Face hub
 * (column {@code image} = struct&lt;bytes: binary, path: string&gt; holding encoded PNG/JPEG bytes,
 * integer column {@code label}) plus a stable {@code id} (long) that this project adds. Ids are
 * 0..n-1 in source order, so "the first 1,000 images" means ids 0..999.
 *
 * <p>A dataset is a directory of {@code part-NNNNN.parquet} files (what Spark also reads as one
 * table) or a single {@code .parquet} file.
 */
public final class ImageDataset {
  public static final String ID = "id";
  public static final String IMAGE = "image";
  public static final String BYTES = "bytes";
  public static final String PATH = "path";
  public static final String LABEL = "label";

  /** The Parquet schema this project writes; Spark reads it as the Hugging Face image layout. */
  public static final MessageType SCHEMA =
      Types.buildMessage()
          .optionalGroup()
          .optional(BINARY)
          .named(BYTES)
          .optional(BINARY)
          .as(stringType())
          .named(PATH)
          .named(IMAGE)
          .required(INT32)
          .named(LABEL)
          .required(INT64)
          .named(ID)
          .named("spark_schema");

  private ImageDataset() {}
}
