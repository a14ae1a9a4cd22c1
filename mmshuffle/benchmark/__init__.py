"""The benchmark's machinery, outside the package's core (nothing else in
mmshuffle imports it): the peers' classifiers, the runtimes timed, the
compute floor, training speed and memory, and the report."""
