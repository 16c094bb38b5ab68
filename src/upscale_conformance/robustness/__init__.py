"""The hostile-input battery (clauses ``ROB-*``): malformed and hostile requests, what a target may
answer to each, and how an answer is judged. ``suites/test_robustness.py`` sends it."""

from .battery import BATTERY, BY_NAME, EITHER, HANG_SECONDS, QUICK, REFUSE, Hostile
from .judge import NORMAL_SIZE, check_hostile_answer, check_unanswered, judge_answer, judge_liveness, judge_unanswered

__all__ = ["BATTERY", "BY_NAME", "EITHER", "HANG_SECONDS", "NORMAL_SIZE", "QUICK", "REFUSE", "Hostile",
           "check_hostile_answer", "check_unanswered", "judge_answer", "judge_liveness", "judge_unanswered"]
