package nomoat.pipeline.data.template;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** jinjava, adapted, renders the jinja2 constructs HF chat templates use as jinja2 does (expected outputs from jinja2 3.1). */
class HfJinjaTest {
  private static final HfJinja JINJA = new HfJinja();

  private static String render(String template) {
    Map<String, Object> ctx = new HashMap<>();
    ctx.put("messages", List.of(Map.of("role", "user", "content", "Hello"), Map.of("role", "assistant", "content", "Hi!")));
    return JINJA.render(JinjaSourceAdapter.adapt(template), ctx);
  }

  @Test
  void pythonStringMethodsSlicesNamespaceAndTojson() {
    String t = "{%- set ns = namespace(n=messages|length - 1, seen=false) -%}\n"
        + "{% for m in messages[::-1] %}{{ loop.index0 }}:{{ 'S' if m.content.startswith('Hi') else 's' }},{{ 'E' if m.content.endswith('!') else 'e' }};{% endfor %}\n"
        + "{{ ns.n }}|{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\nab'.lstrip('\\n') }}|{{ 'a,b,,c'.split(',')[-1] }}|{{ 'a,b'.split(',')|length }}\n"
        + "{{- ' tight' }}\n"
        + "{{ {'a': [1, 'x\"y'], 'b': none} | tojson }}|{{ messages[1:]|length }}|{{ 'HeLLo'.upper() }}{{ 'HeLLo'.lower() }}|{{ 'hello world'.title() }}|{{ 'a-b'.replace('-', '+') }}\n"
        + "{%- if 'ell' in messages[0].content %} in{% endif %}\n";
    assertEquals("0:S,E;1:s,e;1|a b|a|ab|c|2 tight\n{\"a\": [1, \"x\\\"y\"], \"b\": null}|1|HELLOhello|Hello World|a+b in", render(t));
  }

  @Test
  void printedBooleansAreJavaStyle() {
    // Known difference: jinja2 prints True/False, jinjava true/false. HF chat templates test booleans, never print them.
    assertEquals("true", render("{{ messages[1].content.endswith('!') }}"));
  }

  @Test
  void namespaceAssignmentInLoop() {
    String t = "{% set ns = namespace(last=-1) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}{{ ns.last }}";
    assertEquals("0", render(t));
  }

  @Test
  void generationBlockRendersItsBody() {
    assertEquals("A:Hi!;", render("{% for m in messages %}{% if m.role == 'assistant' %}A:{% generation %}{{ m.content }}{% endgeneration %};{% endif %}{% endfor %}"));
  }

  @Test
  void raiseExceptionCarriesItsMessage() {
    HfJinja.TemplateFailure f = assertThrows(HfJinja.TemplateFailure.class, () -> render("{{ raise_exception('Roles must alternate') }}"));
    assertEquals("Roles must alternate", f.getMessage());
  }

  @Test
  void adapterRewritesOnlyWhatJinjavaMisreads() {
    assertEquals("{% for m in messages|reverse %}", JinjaSourceAdapter.adapt("{% for m in messages[::-1] %}"));
    assertEquals("namespace(a=(x|length - 1), b=(f(1, 2)))", JinjaSourceAdapter.adapt("namespace(a=x|length - 1, b=f(1, 2))"));
    assertEquals("{{ messages[1:] }}", JinjaSourceAdapter.adapt("{{ messages[1:] }}"));
  }
}
