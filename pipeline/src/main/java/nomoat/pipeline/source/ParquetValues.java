package nomoat.pipeline.source;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Turns a Parquet record of any schema into the plain Java values a {@link nomoat.pipeline.data.SourceRow}
 * holds: strings, numbers and booleans; LIST-annotated groups (3-level and legacy 2-level) and repeated
 * fields become Lists, MAP groups become Maps, other groups Maps by field name; a missing optional value is
 * null. Binary without an annotation is read as UTF-8 text (Spark's binaryAsString); INT96 and fixed-length
 * bytes without an annotation become Base64.
 */
final class ParquetValues {
  private ParquetValues() {}

  static Map<String, Object> record(Group g) {
    return struct(g, g.getType());
  }

  private static Map<String, Object> struct(Group g, GroupType type) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < type.getFieldCount(); i++) {
      Type f = type.getType(i);
      int reps = g.getFieldRepetitionCount(i);
      if (f.isRepetition(Type.Repetition.REPEATED)) {
        List<Object> list = new ArrayList<>(reps);
        for (int j = 0; j < reps; j++) list.add(value(g, i, j, f));
        out.put(f.getName(), list);
      } else {
        out.put(f.getName(), reps == 0 ? null : value(g, i, 0, f));
      }
    }
    return out;
  }

  private static Object value(Group g, int field, int index, Type f) {
    if (f.isPrimitive()) return primitive(g, field, index, f.asPrimitiveType());
    Group child = g.getGroup(field, index);
    GroupType gt = f.asGroupType();
    LogicalTypeAnnotation lt = gt.getLogicalTypeAnnotation();
    if (lt instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && gt.getFieldCount() == 1) return list(child, gt);
    if ((lt instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
        || lt instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation) && gt.getFieldCount() == 1) return map(child, gt);
    return struct(child, gt);
  }

  private static List<Object> list(Group g, GroupType listType) {
    Type repeated = listType.getType(0);
    int n = g.getFieldRepetitionCount(0);
    List<Object> out = new ArrayList<>(n);
    // 3-level: repeated group list { <element> }; anything else is the legacy 2-level form.
    boolean threeLevel = !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
        && !repeated.getName().equals("array") && !repeated.getName().endsWith("_tuple");
    for (int k = 0; k < n; k++) {
      if (threeLevel) {
        Group item = g.getGroup(0, k);
        Type element = repeated.asGroupType().getType(0);
        out.add(item.getFieldRepetitionCount(0) == 0 ? null : value(item, 0, 0, element));
      } else {
        out.add(value(g, 0, k, repeated));
      }
    }
    return out;
  }

  private static Map<String, Object> map(Group g, GroupType mapType) {
    GroupType kv = mapType.getType(0).asGroupType();
    Map<String, Object> out = new LinkedHashMap<>();
    for (int k = 0; k < g.getFieldRepetitionCount(0); k++) {
      Group entry = g.getGroup(0, k);
      Object key = value(entry, 0, 0, kv.getType(0));
      Object val = kv.getFieldCount() > 1 && entry.getFieldRepetitionCount(1) > 0 ? value(entry, 1, 0, kv.getType(1)) : null;
      out.put(String.valueOf(key), val);
    }
    return out;
  }

  private static Object primitive(Group g, int field, int index, PrimitiveType t) {
    LogicalTypeAnnotation lt = t.getLogicalTypeAnnotation();
    if (lt instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d) {
      BigInteger unscaled = switch (t.getPrimitiveTypeName()) {
        case INT32 -> BigInteger.valueOf(g.getInteger(field, index));
        case INT64 -> BigInteger.valueOf(g.getLong(field, index));
        default -> new BigInteger(g.getBinary(field, index).getBytes());
      };
      return new BigDecimal(unscaled, d.getScale());
    }
    return switch (t.getPrimitiveTypeName()) {
      case BOOLEAN -> g.getBoolean(field, index);
      case INT32 -> g.getInteger(field, index);
      case INT64 -> g.getLong(field, index);
      case FLOAT -> g.getFloat(field, index);
      case DOUBLE -> g.getDouble(field, index);
      case BINARY -> g.getBinary(field, index).toStringUsingUTF8();
      case INT96, FIXED_LEN_BYTE_ARRAY -> base64(g.getBinary(field, index));
    };
  }

  private static String base64(Binary b) {
    return Base64.getEncoder().encodeToString(b.getBytes());
  }
}
