//! The face descriptor: dlib's ResNet (29 conv layers, 128-d output; Davis King released the
//! weights into the public domain), from the uint8-quantised copy of its weights that the npm
//! package @vladmandic/face-api ships. The package carries weights only, not a graph, so the
//! graph is built here as an ONNX model in memory (the layer sequence of face-api's
//! FaceRecognitionNet) and handed to tract. Convolution bias and the following per-channel
//! scale layer are folded into one convolution.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::error::{FaceError, Result};

pub const CHIP: usize = 150;
pub const DIM: usize = 128;

#[derive(Deserialize)]
struct Group {
    weights: Vec<WeightSpec>,
}

#[derive(Deserialize)]
struct WeightSpec {
    name: String,
    shape: Vec<usize>,
    #[serde(default)]
    quantization: Option<Quant>,
}

#[derive(Deserialize)]
struct Quant {
    scale: f32,
    min: f32,
    dtype: String,
}

struct Weights(HashMap<String, (Vec<usize>, Vec<f32>)>);

impl Weights {
    fn load(manifest: &[u8], bin: &[u8]) -> Result<Weights> {
        let bad = |d: String| FaceError::ModelsMissing {
            dir: String::new(),
            detail: d,
        };
        let groups: Vec<Group> =
            serde_json::from_slice(manifest).map_err(|e| bad(format!("manifest: {e}")))?;
        let mut map = HashMap::new();
        let mut at = 0usize;
        for w in groups.into_iter().flat_map(|g| g.weights) {
            let n: usize = w.shape.iter().product();
            let values = match &w.quantization {
                Some(q) if q.dtype == "uint8" => {
                    let raw = bin
                        .get(at..at + n)
                        .ok_or_else(|| bad(format!("{}: weights file too short", w.name)))?;
                    at += n;
                    raw.iter()
                        .map(|&b| f32::from(b) * q.scale + q.min)
                        .collect()
                }
                Some(q) => return Err(bad(format!("{}: dtype {}", w.name, q.dtype))),
                None => {
                    let raw = bin
                        .get(at..at + 4 * n)
                        .ok_or_else(|| bad(format!("{}: weights file too short", w.name)))?;
                    at += 4 * n;
                    raw.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect()
                }
            };
            map.insert(w.name, (w.shape, values));
        }
        if at != bin.len() {
            return Err(bad(format!(
                "weights file has {} bytes, manifest describes {at}",
                bin.len()
            )));
        }
        Ok(Weights(map))
    }

    fn get(&self, name: &str) -> Result<&(Vec<usize>, Vec<f32>)> {
        self.0.get(name).ok_or_else(|| FaceError::ModelsMissing {
            dir: String::new(),
            detail: format!("weight {name} missing"),
        })
    }
}

/// Builds the ONNX graph node by node.
struct Builder<'w> {
    w: &'w Weights,
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    n: usize,
}

fn ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Ints as i32,
        ints: v.to_vec(),
        ..Default::default()
    }
}

fn int(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i: v,
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension::Value};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: pb::tensor_proto::DataType::Float as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            value: Some(Value::DimValue(*d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Activation shape while building: channels, height, width.
type Shape = (usize, usize, usize);

impl Builder<'_> {
    fn name(&mut self, what: &str) -> String {
        self.n += 1;
        format!("{what}_{}", self.n)
    }

    fn init(&mut self, what: &str, dims: &[usize], data: Vec<f32>) -> String {
        let name = self.name(what);
        self.inits.push(pb::TensorProto {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: pb::tensor_proto::DataType::Float as i32,
            float_data: data,
            ..Default::default()
        });
        name
    }

    fn node(&mut self, op: &str, inputs: &[&str], attrs: Vec<pb::AttributeProto>) -> String {
        let out = self.name(op);
        self.nodes.push(pb::NodeProto {
            op_type: op.into(),
            name: out.clone(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            attribute: attrs,
            ..Default::default()
        });
        out
    }

    /// conv (+bias) then scale layer, folded; `down` = 2x2 stride without padding.
    fn conv(
        &mut self,
        x: &str,
        s: Shape,
        prefix: &str,
        down: bool,
        relu: bool,
    ) -> Result<(String, Shape)> {
        let (fshape, filters) = self.w.get(&format!("{prefix}/conv/filters"))?;
        let (_, bias) = self.w.get(&format!("{prefix}/conv/bias"))?;
        let (_, scale) = self.w.get(&format!("{prefix}/scale/weights"))?;
        let (_, sbias) = self.w.get(&format!("{prefix}/scale/biases"))?;
        let [kh, kw, cin, cout] = [fshape[0], fshape[1], fshape[2], fshape[3]];
        if cin != s.0 {
            return Err(FaceError::Inference(format!(
                "{prefix}: {cin} inputs for {} channels",
                s.0
            )));
        }
        // HWIO → OIHW, times the scale of the output channel.
        let mut w = vec![0f32; cout * cin * kh * kw];
        for y in 0..kh {
            for x in 0..kw {
                for i in 0..cin {
                    for o in 0..cout {
                        w[((o * cin + i) * kh + y) * kw + x] =
                            filters[((y * kw + x) * cin + i) * cout + o] * scale[o];
                    }
                }
            }
        }
        let b: Vec<f32> = (0..cout).map(|o| bias[o] * scale[o] + sbias[o]).collect();
        let wn = self.init("w", &[cout, cin, kh, kw], w);
        let bn = self.init("b", &[cout], b);
        let (stride, pad) = if down { (2, 0) } else { (1, kh / 2) };
        let out = self.node(
            "Conv",
            &[x, &wn, &bn],
            vec![
                ints("kernel_shape", &[kh as i64, kw as i64]),
                ints("strides", &[stride, stride]),
                ints("pads", &[pad as i64; 4]),
            ],
        );
        let size = |n: usize| (n + 2 * pad - kh) / stride as usize + 1;
        let shape = (cout, size(s.1), size(s.2));
        Ok(if relu {
            (self.node("Relu", &[&out], vec![]), shape)
        } else {
            (out, shape)
        })
    }

    fn zeros(&mut self, s: Shape) -> String {
        self.init("zeros", &[1, s.0, s.1, s.2], vec![0.0; s.0 * s.1 * s.2])
    }

    fn residual(&mut self, x: &str, s: Shape, prefix: &str) -> Result<(String, Shape)> {
        let (a, sa) = self.conv(x, s, &format!("{prefix}/conv1"), false, true)?;
        let (b, sb) = self.conv(&a, sa, &format!("{prefix}/conv2"), false, false)?;
        let sum = self.node("Add", &[&b, x], vec![]);
        Ok((self.node("Relu", &[&sum], vec![]), sb))
    }

    fn residual_down(&mut self, x: &str, s: Shape, prefix: &str) -> Result<(String, Shape)> {
        let (a, sa) = self.conv(x, s, &format!("{prefix}/conv1"), true, true)?;
        let (mut b, mut sb) = self.conv(&a, sa, &format!("{prefix}/conv2"), false, false)?;
        let mut pooled = self.node(
            "AveragePool",
            &[x],
            vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])],
        );
        let sp = (s.0, s.1 / 2, s.2 / 2);
        if (sp.1, sp.2) != (sb.1, sb.2) {
            // face-api pads the convolution's output with a zero row and column.
            let zr = self.zeros((sb.0, 1, sb.2));
            b = self.node("Concat", &[&b, &zr], vec![int("axis", 2)]);
            sb.1 += 1;
            let zc = self.zeros((sb.0, sb.1, 1));
            b = self.node("Concat", &[&b, &zc], vec![int("axis", 3)]);
            sb.2 += 1;
        }
        if sp.0 != sb.0 {
            let z = self.zeros((sb.0 - sp.0, sp.1, sp.2));
            pooled = self.node("Concat", &[&pooled, &z], vec![int("axis", 1)]);
        }
        let sum = self.node("Add", &[&pooled, &b], vec![]);
        Ok((self.node("Relu", &[&sum], vec![]), sb))
    }
}

fn build(w: &Weights) -> Result<pb::ModelProto> {
    let mut g = Builder {
        w,
        nodes: vec![],
        inits: vec![],
        n: 0,
    };
    let s0: Shape = (3, CHIP, CHIP);
    let (mut x, mut s) = g.conv("input", s0, "conv32_down", true, true)?;
    x = g.node(
        "MaxPool",
        &[&x],
        vec![ints("kernel_shape", &[3, 3]), ints("strides", &[2, 2])],
    );
    s = (s.0, (s.1 - 3) / 2 + 1, (s.2 - 3) / 2 + 1);
    for (layer, down) in [
        ("conv32_1", false),
        ("conv32_2", false),
        ("conv32_3", false),
        ("conv64_down", true),
        ("conv64_1", false),
        ("conv64_2", false),
        ("conv64_3", false),
        ("conv128_down", true),
        ("conv128_1", false),
        ("conv128_2", false),
        ("conv256_down", true),
        ("conv256_1", false),
        ("conv256_2", false),
        ("conv256_down_out", true),
    ] {
        (x, s) = if down {
            g.residual_down(&x, s, layer)?
        } else {
            g.residual(&x, s, layer)?
        };
    }
    let pooled = g.node("GlobalAveragePool", &[&x], vec![]);
    let flat = g.node("Flatten", &[&pooled], vec![int("axis", 1)]);
    let (fshape, fc) = w.get("fc")?;
    let fc_name = g.init("fc", fshape, fc.clone());
    let out = g.node("MatMul", &[&flat, &fc_name], vec![]);
    let graph = pb::GraphProto {
        name: "dlib_resnet".into(),
        node: g.nodes,
        initializer: g.inits,
        input: vec![value_info("input", &[1, 3, CHIP as i64, CHIP as i64])],
        output: vec![value_info(&out, &[1, DIM as i64])],
        ..Default::default()
    };
    Ok(pb::ModelProto {
        ir_version: 7,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        producer_name: "daihoi".into(),
        graph: Some(graph),
        ..Default::default()
    })
}

pub struct Embedder {
    plan: Arc<TypedRunnableModel>,
}

/// dlib's input layer: the mean of its training images, subtracted, then / 256.
const MEAN: [f32; 3] = [122.782, 117.001, 104.298];

impl Embedder {
    pub fn load(dir: &Path) -> Result<Embedder> {
        let read = |f: &str| {
            std::fs::read(dir.join(f)).map_err(|e| FaceError::ModelsMissing {
                dir: dir.display().to_string(),
                detail: format!("{f}: {e}"),
            })
        };
        let manifest = read("face_recognition_model-weights_manifest.json")?;
        let bin = read("face_recognition_model.bin")?;
        let weights = Weights::load(&manifest, &bin)?;
        let proto = build(&weights)?;
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)?
            .into_optimized()?
            .into_runnable()?;
        Ok(Embedder { plan })
    }

    /// The descriptor of an aligned 150x150 RGB chip.
    pub fn embed(&self, chip: &image::RgbImage) -> Result<[f32; DIM]> {
        let mut data = vec![0f32; 3 * CHIP * CHIP];
        for (x, y, p) in chip.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            for c in 0..3 {
                data[(c * CHIP + y) * CHIP + x] = (f32::from(p.0[c]) - MEAN[c]) / 256.0;
            }
        }
        let input = Tensor::from_shape(&[1, 3, CHIP, CHIP], &data)?;
        let out = self.plan.run(tvec!(input.into()))?;
        let v = out
            .first()
            .ok_or_else(|| FaceError::Inference("no output".into()))?
            .to_plain_array_view::<f32>()
            .map_err(|e| FaceError::Inference(e.to_string()))?;
        let mut d = [0f32; DIM];
        if v.len() != DIM {
            return Err(FaceError::Inference(format!("{} outputs", v.len())));
        }
        for (o, x) in d.iter_mut().zip(v.iter()) {
            *o = *x;
        }
        Ok(d)
    }
}
