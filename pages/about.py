"""About: the ideas behind the dashboard, for a classroom."""

import streamlit as st

from pages._common import ensure_shell

ensure_shell()

st.title("What is going on here?")
st.markdown("""
**A multilayer perceptron (MLP)** turns an image into a guess. The 28×28 pixels are laid out as a row
of 784 numbers; each **layer** multiplies that row by a matrix of *weights*, adds a *bias* and passes
the result through an **activation** (relu, sigmoid, tanh, or none). The last layer has one output per
class; *softmax* turns those outputs into probabilities that add up to 1.

**Training** nudges every weight a little in the direction that lowers the **loss** (how wrong the
probabilities are, e.g. cross-entropy). The nudges come from the gradient (computed by
`tf.GradientTape`), their size from the **learning rate**, and their recipe from the **optimizer**
(SGD, momentum, RMSprop, Adam). One pass over all training images is an **epoch**; images go through
in **batches** of, say, 128.

**Normalization** matters: raw pixels run from 0 to 255, so the first layer's outputs are huge and
training struggles. Dividing by 255, or z-scoring (subtract the mean, divide by the standard
deviation), makes learning fast and stable — try the *raw-pixels-pitfall* preset.

**Train, validation, test.** The network learns from the training images; the validation set (or,
as in the Keras tutorials, the test set) is only watched, to see whether it generalizes. If training
accuracy keeps rising while validation accuracy stalls, the network is memorizing: *overfitting*.

**Two engines.** *Keras* builds a `keras.Sequential` and calls `model.fit`. *From scratch* writes the
same network with `tf.Variable` weights, explicit matrix products, the loss formula and each
optimizer's update rule (`assign_sub`) by hand. They learn the same thing.

**The grid** shows test images with the network's guess: *✓ name* in blue when right, *✗ prediction /
truth* in dashed vermillion when wrong. Watch the ✗ turn into ✓ as the epochs go by. On the **Draw**
page, sketch a digit and see what the network makes of it — and what it actually sees after the digit
is cropped, scaled and centred like MNIST.
""")
