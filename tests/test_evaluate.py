import numpy as np

from mlp.evaluate import Evaluation


def test_metrics_from_probabilities():
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.05, 0.9, 0.05]])
    labels = np.array([0, 1, 1, 2, 2])
    ev = Evaluation(probs, labels)
    assert ev.predictions.tolist() == [0, 1, 0, 2, 1]
    assert ev.accuracy == 0.6
    assert ev.confusion().tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 1]]
    np.testing.assert_allclose(ev.per_class_accuracy(), [1.0, 0.5, 0.5])
    assert ev.confident_mistakes(5).tolist() == [4, 2]  # 0.9 wrong before 0.6 wrong
    expected_loss = -np.mean(np.log([0.9, 0.7, 0.3, 0.8, 0.05]))
    assert abs(ev.loss - expected_loss) < 1e-9


def test_class_without_examples_is_nan():
    ev = Evaluation(np.array([[0.9, 0.1, 0.0]]), np.array([0]))
    acc = ev.per_class_accuracy()
    assert acc[0] == 1.0 and np.isnan(acc[1])
