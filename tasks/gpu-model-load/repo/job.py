#!/usr/bin/env python3
"""Nightly batch scoring of product reviews.

Usage: python3 job.py --device DEVICE MODEL_FILE REVIEWS_FILE

MODEL_FILE is a JSON logistic-regression model (see models/sentiment.json); REVIEWS_FILE has
one review per line. See README.md for the output.
"""
import sys


def main(argv: list[str]) -> int:
    raise NotImplementedError("the job is not written yet")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
