#!/usr/bin/python3
"""Parses a /metrics scrape with the Prometheus project's own parser (Debian's
python3-prometheus-client) and prints one line per sample: NAME{labels} VALUE.
Exit 1 with the parser's message if the text is not valid exposition format."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                print(f"{sample.name}{{{labels}}} {sample.value}")
    except Exception as error:  # the parser raises ValueError and others on bad input
        print(f"not Prometheus text: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
