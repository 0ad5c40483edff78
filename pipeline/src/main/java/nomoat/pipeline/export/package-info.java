/**
 * The export stage's logic: a trained adapter written as a PEFT directory and/or merged into the base and written as
 * a Hugging Face checkpoint. May use config, format, model, lora and io.
 */
package nomoat.pipeline.export;
