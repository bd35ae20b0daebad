//! A network whose input shape changes (the detector's image pyramid): one optimised plan per
//! input shape, kept. A kiosk's frames always have the same size, so after the first frame
//! every plan is ready.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tract_onnx::prelude::*;

use crate::error::{FaceError, Result};

type Plan = Arc<TypedRunnableModel>;

/// Plans kept per network; a burst of odd-sized photos cannot grow memory without bound.
const MAX_PLANS: usize = 48;

pub struct Net {
    model: InferenceModel,
    plans: Mutex<HashMap<Vec<usize>, Plan>>,
}

impl Net {
    pub fn new(model: InferenceModel) -> Net {
        Net {
            model,
            plans: Mutex::new(HashMap::new()),
        }
    }

    fn plan(&self, shape: &[usize]) -> Result<Plan> {
        if let Ok(plans) = self.plans.lock()
            && let Some(p) = plans.get(shape)
        {
            return Ok(p.clone());
        }
        let plan = self
            .model
            .clone()
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()?;
        if let Ok(mut plans) = self.plans.lock() {
            if plans.len() >= MAX_PLANS {
                plans.clear();
            }
            plans.insert(shape.to_vec(), plan.clone());
        }
        Ok(plan)
    }

    /// Run on `data` laid out as `shape`; every output as (shape, values).
    pub fn run(&self, shape: &[usize], data: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        let plan = self.plan(shape)?;
        let input = Tensor::from_shape(shape, &data)?;
        let out = plan.run(tvec!(input.into()))?;
        out.iter()
            .map(|t| {
                let v = t
                    .to_plain_array_view::<f32>()
                    .map_err(|e| FaceError::Inference(e.to_string()))?;
                Ok((t.shape().to_vec(), v.iter().copied().collect()))
            })
            .collect()
    }
}
