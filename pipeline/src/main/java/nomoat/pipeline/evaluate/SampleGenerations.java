package nomoat.pipeline.evaluate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.generate.GenerationConfig;
import nomoat.pipeline.generate.Generator;
import nomoat.pipeline.generate.Prompts;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.tokenize.HfTokenizer;

/** Greedy answers of every variant to the configured prompts, rendered as the data was (the manifest's template). */
public final class SampleGenerations {
  private SampleGenerations() {}

  /**
   * @param adapters every adapter in variant order; variant k runs the first k of them
   * @param variants how many variants (1 + adapters.size() for the usual side-by-side)
   */
  public static List<Evaluation.Generation> run(LlamaModel model, HfTokenizer tokenizer, TemplateName template, String systemPrompt,
                                                List<LoraAdapter> adapters, int variants, List<String> prompts, int maxNewTokens) {
    Prompts render = new Prompts(template, systemPrompt, tokenizer);
    Set<Integer> stop = Prompts.stopIds(model.config(), tokenizer);
    GenerationConfig greedy = GenerationConfig.greedy(maxNewTokens);
    List<Evaluation.Generation> out = new ArrayList<>();
    for (String p : prompts) {
      String rendered = render.render(List.of(new Message(Role.USER, p)));
      int[] ids = render.encode(rendered);
      List<String> outputs = new ArrayList<>();
      for (int k = 0; k < variants; k++) {
        int[] gen = Generator.generate(model, adapters.subList(0, k), ids, greedy, stop, id -> { });
        outputs.add(tokenizer.decode(gen, true).strip());
      }
      out.add(new Evaluation.Generation(p, rendered, outputs));
    }
    return out;
  }
}
