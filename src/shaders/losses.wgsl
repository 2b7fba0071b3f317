// losses.wgsl: a loss L(a, y) per output element and the delta dJ/dz that backpropagation starts from,
// selected by code (1 binary cross-entropy, 2 mean squared error). No bindings.

const EPSILON = 1e-7; // predictions are clipped to [ε, 1 − ε] inside the logarithms, as in Keras

// L of one element from its logit z and activation a. Sigmoid with binary cross-entropy uses the logits form
// max(z, 0) − z·y + log(1 + e^−|z|): equal to the clipped form where the clip does not bind, and still exact when
// σ(z) rounds to 0 or 1.
fn loss_value(code: u32, activation: u32, z: f32, a: f32, y: f32) -> f32 {
  if (code == 1u && activation == 1u) {
    return max(z, 0.0) - z * y + log(1.0 + exp(-abs(z)));
  }
  if (code == 1u) {
    let p = clamp(a, EPSILON, 1.0 - EPSILON);
    return -(y * log(p) + (1.0 - y) * log(1.0 - p)); // −y·log(a) − (1 − y)·log(1 − a)
  }
  return (a - y) * (a - y); // (a − y)²
}

// dJ/dz = ∂L/∂a · g'(z) · scale, with scale = 1 / (rows · units) from the mean.
// Sigmoid with binary cross-entropy is fused: σ' cancels the logarithms' denominators, leaving (a − y)·scale.
fn loss_delta(code: u32, activation: u32, a: f32, y: f32, scale: f32) -> f32 {
  if (code == 1u && activation == 1u) { return (a - y) * scale; }
  var dLda = 2.0 * (a - y);
  if (code == 1u) {
    dLda = select(0.0, (a - y) / (a * (1.0 - a)), a >= EPSILON && a <= 1.0 - EPSILON);
  }
  return dLda * derivative(activation, vec4f(a)).x * scale;
}
