/**
 * SigLIP configuration records mirroring Hugging Face {@code configuration_siglip.py}: reading and
 * writing {@code config.json} (diff or full form), validation with actionable messages, named
 * presets of the published checkpoints and parameter counts.
 */
package org.siglip4j.core.config;
