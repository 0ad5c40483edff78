/**
 * The report stage's renderer: a training output's metrics, its dataset's manifest statistics and generations as one
 * self-contained HTML page (inline SVG and CSS). May use shard and io.
 */
package nomoat.pipeline.report;
