package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One entry of {@code sweep.transfer}: a model that judges the source's adversarial images. */
public record TransferTarget(String name, String path) implements Serializable {
  /** Reads and validates {@code sweep.transfer}; every problem names its entry. */
  static List<TransferTarget> listFrom(Config s) {
    List<TransferTarget> out = new ArrayList<>();
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("transfer");
    } catch (ConfigException.WrongType e) {
      throw new IllegalArgumentException("sweep.transfer must be a list of {name, path} objects");
    }
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Config t = entries.get(i);
      String at = "sweep.transfer[" + i + "]";
      for (String key : t.root().keySet()) {
        if (!key.equals("name") && !key.equals("path")) {
          errors.add("unknown key " + at + "." + key + " (expected name, path)");
        }
      }
      if (!t.hasPath("name")
          || !t.hasPath("path")
          || t.getValue("name").valueType() != ConfigValueType.STRING) {
        errors.add(at + " needs string keys name and path");
        continue;
      }
      try {
        out.add(
            new TransferTarget(
                ConfigTypes.checkName(t.getString("name"), at + ".name"), t.getString("path")));
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    if (out.stream().map(TransferTarget::name).distinct().count() != out.size()) {
      errors.add("sweep.transfer names must be unique");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return List.copyOf(out);
  }
}
