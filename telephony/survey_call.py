"""The survey call (回访), driven by the call flow thread: dial the citizen through the gateway, ask
"resolved?" (1/2) then "satisfied?" (1/2/3), take keys or — when no key comes — spoken answers
through the grammar recognizer, re-ask once, thank, hang up, and report.

The result goes to the job named in the command (`report_job`, enqueued by name: this package never
imports the one that keeps the survey tasks) and, like every call, to the call events and the CDR.
"""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telephony.messages import Answered, Digit, Ended, MediaReady
from telephony.survey_answers import QUESTIONS, SILENCE_DBFS, Heard, key_answer, recognise

if TYPE_CHECKING:
    from telephony.flow import CallFlow, Outbound

log = logging.getLogger(__name__)
ANSWER_SECONDS = 5.0  # after the prompt ends, how long the citizen has to key or say the answer
RECORDING_RATE = 16000  # the conference bridge's clock rate (telephony.sipstack.CLOCK_RATE)
REPROMPTS = 1  # a question is asked at most twice: this bounds the call's length too


@dataclass(frozen=True)
class SpeechResult:
    leg: str
    generation: int
    heard: Heard


@dataclass
class SurveyState:
    report_job: str
    question: str = ""
    asked: dict[str, int] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    heard: list[dict[str, Any]] = field(default_factory=list)
    answer_file: str | None = None
    finished: bool = False


class SurveyCalls:
    """The survey legs of one worker; the flow routes their messages, commands and timers here."""

    def __init__(self, flow: CallFlow, model_path: str | None) -> None:
        self.flow, self.model_path = flow, model_path
        self.calls: dict[str, Outbound] = {}
        self.states: dict[str, SurveyState] = {}
        self._recognizer: ProcessPoolExecutor | None = None

    def start(self, arguments: dict[str, Any]) -> None:
        """`survey {request_id, number, report_job, ring_seconds?}`: one worker claims and dials."""
        report_job = str(arguments.get("report_job", ""))
        call = self.flow.place_call(arguments, prompt=None, registry=self.calls)
        if call is not None:
            self.states[call.key] = SurveyState(report_job)

    def handle(self, call: Outbound, message: object) -> None:
        state = self.states[call.key]
        match message:
            case Answered():
                # The media may be up (and the first question asked) before the answer is confirmed:
                # the ring timeout checks answered_at rather than being cancelled here.
                call.answered_at = datetime.now(UTC)
            case MediaReady():
                self._ask(call, state, QUESTIONS[0])
            case Digit(digit=digit) if state.question and not state.finished:
                answer = key_answer(state.question, digit)
                if answer is not None:
                    self._accept(call, state, answer)
            case SpeechResult(generation=generation, heard=heard) if generation == call.generation:
                state.heard.append(heard.as_dict())
                if heard.answer is not None:
                    self._accept(call, state, heard.answer)
                elif state.asked.get(state.question, 0) <= REPROMPTS:
                    self._ask(call, state, state.question, repeat=True)
                else:
                    self._finish(call, state)  # not understood: an agent or the next attempt asks
            case Ended(status=status):
                self.calls.pop(call.key, None)
                self.states.pop(call.key, None)
                self._report(call, state, status)

    # -- the questions ------------------------------------------------------------------------------
    def _ask(self, call: Outbound, state: SurveyState, question: str, *, repeat: bool = False) -> None:
        state.question = question
        state.asked[question] = state.asked.get(question, 0) + 1
        call.generation += 1
        prompts = (["survey_repeat"] if repeat else []) + [f"survey_{question}"]
        flow = self.flow
        flow.sip(flow.stack.play_list, call.key, [flow.prompt(name) for name in prompts])
        # The citizen's side is recorded from the question on: someone who answers over the prompt
        # is heard too. The file goes to the recognizer only when no key came.
        path = flow.config.recordings_dir / f"{call.key}-{question}-{uuid.uuid4().hex[:6]}.wav"
        state.answer_file = str(path)
        flow.sip(flow.stack.record, call.key, "answer", path)
        seconds = sum(flow.prompt_length(name) for name in prompts) + ANSWER_SECONDS
        flow.after(seconds, call, "survey_silence")

    def _accept(self, call: Outbound, state: SurveyState, answer: Any) -> None:
        state.answers[state.question] = answer
        self._drop_answer_file(call, state)
        position = QUESTIONS.index(state.question)
        if position + 1 < len(QUESTIONS):
            self._ask(call, state, QUESTIONS[position + 1])
        else:
            self._finish(call, state)

    def _finish(self, call: Outbound, state: SurveyState) -> None:
        state.finished, state.question = True, ""
        call.generation += 1
        self._drop_answer_file(call, state)
        flow = self.flow
        flow.sip(flow.stack.play, call.key, flow.prompt("survey_thanks"))
        flow.after(flow.prompt_length("survey_thanks") + 0.3, call, "survey_hangup")

    def _drop_answer_file(self, call: Outbound, state: SurveyState) -> None:
        if state.answer_file is not None:
            self.flow.sip(self.flow.stack.stop_record, call.key, "answer")
            Path(state.answer_file).unlink(missing_ok=True)
            state.answer_file = None

    # -- timers (named "survey_*"; the flow calls on_<name>) --------------------------------------------
    def on_survey_silence(self, call: Outbound) -> None:
        """No key in time: hear what was said."""
        state = self.states.get(call.key)
        if state is None or state.answer_file is None:
            return
        path, state.answer_file = state.answer_file, None
        call.generation += 1
        key, generation, question, pool = call.key, call.generation, state.question, self._pool()

        def stop_and_recognise() -> None:  # on the SIP thread: the WAV is complete once it is closed
            self.flow.stack.stop_record(key, "answer")
            future = pool.submit(recognise, question, path, self.model_path, RECORDING_RATE)
            future.add_done_callback(lambda done: self._heard(key, generation, question, done))

        self.flow.stack.submit(stop_and_recognise)

    def _heard(self, key: str, generation: int, question: str, done: Future[Heard]) -> None:
        try:
            heard = done.result()
        except Exception:
            log.exception("%s: recognising the answer to %s", key, question)
            heard = Heard(question, 0.0, SILENCE_DBFS, "", None, None)
        self.flow.post(SpeechResult(key, generation, heard))

    def on_outbound_timeout(self, call: Outbound) -> None:
        if call.answered_at is None:  # nobody picked up in time
            self.flow.sip(self.flow.stack.hangup, call.key, 487)

    def on_survey_hangup(self, call: Outbound) -> None:
        self.flow.sip(self.flow.stack.hangup, call.key)

    def _pool(self) -> ProcessPoolExecutor:
        # A separate process: recognition is CPU work, and a forked copy of a pjsua2 process is unsafe.
        if self._recognizer is None:
            context = multiprocessing.get_context("spawn")
            self._recognizer = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._recognizer

    def close(self) -> None:
        if self._recognizer is not None:
            self._recognizer.shutdown(wait=True, cancel_futures=True)

    # -- the report -----------------------------------------------------------------------------------
    def _report(self, call: Outbound, state: SurveyState, status: int) -> None:
        result: dict[str, Any] = {
            "request_id": call.request_id,
            "resolved": state.answers.get("resolved"),
            "satisfaction": state.answers.get("satisfaction"),
            "speech": state.heard,
        }
        outcome = self.flow.outbound_done(call, status, {"survey": True, **result})
        if state.report_job:
            self.flow.jobs.enqueue(
                state.report_job, {**result, "outcome": outcome, "sip_status": status}, job_timeout=120
            )
