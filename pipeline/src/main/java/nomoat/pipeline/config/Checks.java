package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.NomoatException;

/** Value checks that name the key, its value and where it was set. */
final class Checks {
  private Checks() {}

  static void require(boolean ok, Config c, String path, String rule) {
    if (!ok) throw fail(c, path, rule);
  }

  /** "prepare.max-length = 100.7 (job.conf: 3): must be an integer"; works for explicit nulls and unset keys too. */
  static NomoatException fail(Config c, String path, String rule) {
    ConfigValue v = valueOrNull(c, path);
    String shown = v == null ? "(not set)" : v.valueType() == ConfigValueType.NULL ? "null" : v.render();
    String where = v == null ? "" : " (" + ConfigLoader.where(v.origin()) + ")";
    return NomoatException.config(path + " = " + shown + where + ": " + rule);
  }

  /** The value at {@code path}, an explicit null included (typesafe's getValue refuses those), or null when unset. */
  static ConfigValue valueOrNull(Config c, String path) {
    List<String> keys = ConfigUtil.splitPath(path);
    ConfigObject parent = c.root();
    for (int i = 0; i < keys.size() - 1; i++) {
      ConfigValue next = parent.get(keys.get(i));
      if (!(next instanceof ConfigObject o)) return null;
      parent = o;
    }
    return parent.get(keys.get(keys.size() - 1));
  }

  static String oneOf(Config c, String path, Collection<String> allowed) {
    String v = string(c, path, "must be one of " + allowed);
    require(v != null && allowed.contains(v), c, path, "must be one of " + allowed);
    return v;
  }

  static String nonEmpty(Config c, String path) {
    String v = string(c, path, "is required");
    require(v != null && !v.isBlank(), c, path, "is required");
    return v;
  }

  /** A string or null (numbers and booleans read as their text); anything else fails with {@code rule}. */
  private static String string(Config c, String path, String rule) {
    if (c.getIsNull(path)) return null;
    try {
      return c.getString(path);
    } catch (ConfigException.WrongType e) {
      throw fail(c, path, rule);
    }
  }

  /** A whole number: typesafe's getLong silently truncates 1.7 to 1. */
  static long integral(Config c, String path) {
    ConfigValue v = valueOrNull(c, path);
    double d;
    try {
      if (v == null || v.valueType() == ConfigValueType.NULL) throw fail(c, path, "must be an integer");
      d = c.getDouble(path);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw fail(c, path, "must be an integer");
    }
    require(d == Math.rint(d) && Math.abs(d) < 9.0e15, c, path, "must be an integer");
    return (long) d;
  }

  /** An integer that fits an int. */
  static int integer(Config c, String path) {
    long v = integral(c, path);
    require(v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE, c, path, "must be an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
    return (int) v;
  }

  static double number(Config c, String path) {
    try {
      require(!c.getIsNull(path), c, path, "must be a number");
      return c.getDouble(path);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw fail(c, path, "must be a number");
    }
  }

  static boolean bool(Config c, String path) {
    try {
      require(!c.getIsNull(path), c, path, "must be true or false");
      return c.getBoolean(path);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw fail(c, path, "must be true or false");
    }
  }

  static String nullableString(Config c, String path) {
    return string(c, path, "must be a string");
  }

  static void onlyKeys(Config c, String what, Set<String> allowed) {
    for (String key : c.root().keySet()) {
      if (!allowed.contains(key)) {
        throw NomoatException.config("unknown key '" + key + "' in " + what + " (" + ConfigLoader.where(c.root().get(key).origin())
            + "); allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }
}
