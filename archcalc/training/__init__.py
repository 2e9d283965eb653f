"""Training a spec's network on a real dataset: ``archcalc train SPEC --dataset NAME``.

One job per module, as in the rest of archcalc:

* :mod:`.datasets`: load a dataset (Keras' loaders, scikit-learn's digits, a ``.npz`` file) and check it
  against the network's input and output;
* :mod:`.pipeline`: the ``tf.data`` input pipeline (cache, shuffle, batch, scale, prefetch);
* :mod:`.devices`: which device, distribution strategy and precision to train with;
* :mod:`.run`: the training itself, checkpointed after every epoch; returns a :class:`~.run.TrainResult`
  (plain data);
* :mod:`.report`: the renderers (progress lines, results table, JSON) and the files of ``--output DIR``;
* :mod:`.commands`: the thin typer command.

Only :mod:`.commands` is imported by ``archcalc`` at start-up, and it imports nothing heavy: numpy,
TensorFlow and scikit-learn load inside the command.
"""
