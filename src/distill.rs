//! Import of the quantised models behind the Distill article's interactive demo.
//!
//! Format: a JSON array of two dense layers `{data_b64, in_ch, out_ch, weight_scale, bias_scale,
//! type: "uint8"}`. `data_b64` holds `(in_ch + 1) * out_ch` bytes: row r < in_ch the weights from
//! input r to each output, row in_ch the biases; a byte q means `(q / 255 - 0.5) * scale`.
//! Inputs are ordered by band (identity, Sobel-x, Sobel-y), as ours are, so rows map one to one.

use base64::Engine;
use serde::Deserialize;

use crate::nca::{CHANNELS, FEATURES, HIDDEN, ModelSpec, Weights};

#[derive(Deserialize)]
struct Layer {
    data_b64: String,
    in_ch: usize,
    out_ch: usize,
    weight_scale: f32,
    bias_scale: f32,
    #[serde(rename = "type")]
    kind: String,
}

/// The largest weight or bias scale a model may give.
pub const MAX_SCALE: f32 = 100.0;

fn decode_layer(l: &Layer, index: usize, in_ch: usize, out_ch: usize) -> Result<(Vec<f32>, Vec<f32>), String> {
    let which = format!("layer {}", index + 1);
    if l.kind != "uint8" {
        return Err(format!("{which}: type '{}' is not supported (expected uint8)", l.kind));
    }
    if (l.in_ch, l.out_ch) != (in_ch, out_ch) {
        return Err(format!("{which} is {}->{}, expected {in_ch}->{out_ch}", l.in_ch, l.out_ch));
    }
    // The demo's scales lie between 0.1 and 2.7: a scale of zero or less is no model, and one far
    // above makes weights that overflow the state within a few steps.
    for (what, s) in [("weight_scale", l.weight_scale), ("bias_scale", l.bias_scale)] {
        if !(s > 0.0 && s <= MAX_SCALE) {
            return Err(format!("{which}: {what} {s} is not in (0, {MAX_SCALE}]"));
        }
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(l.data_b64.trim())
        .map_err(|e| format!("{which}: data_b64 is not valid base64: {e}"))?;
    let need = (in_ch + 1) * out_ch;
    if bytes.len() != need {
        return Err(format!("{which}: {} bytes of data, expected {need}", bytes.len()));
    }
    let deq = |q: u8, scale: f32| (q as f32 / 255.0 - 0.5) * scale;
    let w = bytes[..in_ch * out_ch].iter().map(|&q| deq(q, l.weight_scale)).collect();
    let b = bytes[in_ch * out_ch..].iter().map(|&q| deq(q, l.bias_scale)).collect();
    Ok((w, b))
}

/// Parses a demo model (the JSON text) into weights.
pub fn parse(json: &str) -> Result<Weights, String> {
    let layers: Vec<Layer> =
        serde_json::from_str(crate::fsio::strip_bom(json)).map_err(|e| format!("not a Distill demo model: {e}"))?;
    if layers.len() != 2 {
        return Err(format!("expected 2 layers, found {}", layers.len()));
    }
    let (w1, b1) = decode_layer(&layers[0], 0, FEATURES, HIDDEN)?;
    let (w2, b2) = decode_layer(&layers[1], 1, HIDDEN, CHANNELS)?;
    let w = Weights { spec: ModelSpec::GROWING, w1, b1, w2, b2 };
    w.validate().map_err(|e| e.to_string())?;
    Ok(w)
}

/// The scale that quantises `v` as the demo does: `(q / 255 - 0.5) * scale` covers every value.
fn scale_of(v: &[f32]) -> f32 {
    let m = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    // All zeros (a last layer before training) still needs a positive scale to be read back.
    if m > 0.0 { 2.0 * m } else { 1e-3 }
}

fn quantise(v: &[f32], scale: f32) -> impl Iterator<Item = u8> + '_ {
    v.iter().map(move |&x| ((x / scale + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8)
}

fn encode_layer(w: &[f32], b: &[f32], in_ch: usize, out_ch: usize) -> Result<serde_json::Value, String> {
    let (ws, bs) = (scale_of(w), scale_of(b));
    if ws > MAX_SCALE || bs > MAX_SCALE {
        return Err(format!("weights up to {:.1} in size do not fit the demo's format", ws.max(bs) / 2.0));
    }
    let bytes: Vec<u8> = quantise(w, ws).chain(quantise(b, bs)).collect();
    debug_assert_eq!(bytes.len(), (in_ch + 1) * out_ch);
    Ok(serde_json::json!({
        "data_b64": base64::engine::general_purpose::STANDARD.encode(bytes),
        "in_ch": in_ch,
        "out_ch": out_ch,
        "weight_scale": ws,
        "bias_scale": bs,
        "type": "uint8",
    }))
}

/// A creature's weights as a model of the Distill demo (the paper's model only): each layer
/// quantised to bytes with the scale that covers its largest value, as the demo's own models are.
/// The round trip costs at most half a step of each scale per value.
pub fn export(w: &Weights) -> Result<String, String> {
    if w.spec != ModelSpec::GROWING {
        return Err("the Distill demo runs the paper's model only (16 channels, 48 -> 128 -> 16)".into());
    }
    w.validate().map_err(|e| e.to_string())?;
    let layers = [encode_layer(&w.w1, &w.b1, FEATURES, HIDDEN)?, encode_layer(&w.w2, &w.b2, HIDDEN, CHANNELS)?];
    Ok(serde_json::Value::Array(layers.into()).to_string())
}
