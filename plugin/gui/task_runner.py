"""Run Processing algorithms one after another in QGIS's task manager.

Each step is a QgsProcessingAlgRunnerTask (progress shows in the dock and in QGIS's task
manager; the algorithm runs in a worker thread). The task only keeps pointers to its
context and feedback, so they, the task and the chain are held in a module-level set until
the task has really ended: a dock closed mid-run can drop its chain without a dangling
pointer in a running task.
"""

from typing import Dict, List, Optional

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsTask,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal, pyqtSlot

from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

log = get_logger("gui.task_runner")

_ALIVE = set()  # chains whose current task has not ended yet
_HELD = {}  # id(task) -> (context, feedback, algorithm): alive until the task object is destroyed


def _hold(task, *objects) -> None:
    key = id(task)
    _HELD[key] = objects
    task.destroyed.connect(lambda *_args, key=key: _HELD.pop(key, None))


class CapturingFeedback(QgsProcessingFeedback):
    """Processing feedback that keeps the algorithm's errors and warnings for the dock.

    It does not copy the algorithm's lines into QGIS's message log (logFeedback=False): the
    plugin's logger already puts them there, under "CISC"; QGIS's own algorithm dialog does the same.
    """

    def __init__(self):
        super().__init__(False)
        self.errors: List[str] = []
        self.warnings: List[str] = []

    def reportError(self, error, fatalError=False):  # noqa: N803 (QgsProcessingFeedback's signature)
        self.errors.append(str(error))
        super().reportError(error, fatalError)

    def pushWarning(self, warning):
        self.warnings.append(str(warning))
        super().pushWarning(warning)


class AlgorithmStep:
    def __init__(self, algorithm_id: str, parameters: Dict, label: str):
        self.algorithm_id = algorithm_id
        self.parameters = parameters
        self.label = label


class AlgorithmChain(QObject):
    """Runs steps in sequence; emits finished(ok, outputs, message) exactly once.

    outputs: one dict per step, the algorithm's results with "OUTPUT" replaced by the
    output layer (owned by the receiver). ok is False on error or cancel; cancelled()
    tells which.
    """

    progressChanged = pyqtSignal(float)  # overall 0..100
    stepStarted = pyqtSignal(int, str)
    finished = pyqtSignal(bool, object, str)

    def __init__(self, steps: List[AlgorithmStep], project: Optional[QgsProject] = None, parent=None):
        super().__init__(parent)
        self.steps = steps
        self.project = project or QgsProject.instance()
        self.outputs: List[Dict] = []
        self.warnings: List[str] = []
        self._index = -1
        self._task = None
        self._context = None
        self._feedback = None
        self._cancelled = False
        self._done = False

    # -- control ---------------------------------------------------------
    def start(self) -> None:
        _ALIVE.add(self)
        self._next()

    def cancel(self) -> None:
        """Ask the running algorithm to stop (it checks within a second)."""
        self._cancelled = True
        if self._feedback is not None:
            self._feedback.cancel()
        if self._task is not None:
            try:
                self._task.cancel()
            except RuntimeError:  # the task object is already gone
                pass

    def is_cancelled(self) -> bool:
        return self._cancelled

    def is_running(self) -> bool:
        return self in _ALIVE and not self._done

    def current_task(self) -> Optional[QgsTask]:
        return self._task

    # -- steps -----------------------------------------------------------
    def _next(self) -> None:
        self._index += 1
        if self._cancelled:
            self._finish(False, tr("Cancelled."))
            return
        if self._index >= len(self.steps):
            self._finish(True, "")
            return
        step = self.steps[self._index]
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(step.algorithm_id)
        if algorithm is None:
            self._finish(
                False,
                tr("The Processing algorithm {id} is not available: is the CISC plugin's provider "
                   "enabled in Processing's settings?").format(id=step.algorithm_id),
            )
            return
        context = QgsProcessingContext()
        context.setProject(self.project)
        feedback = CapturingFeedback()
        feedback.progressChanged.connect(self._on_progress)
        task = QgsProcessingAlgRunnerTask(algorithm, step.parameters, context, feedback)
        task.setDescription(tr("CISC: {step}").format(step=step.label))
        task.executed.connect(self._on_executed)
        task.taskTerminated.connect(self._on_terminated)
        # the task keeps a reference to the context until it is destroyed by the task manager
        _hold(task, context, feedback, algorithm)
        self._algorithm, self._context, self._feedback, self._task = algorithm, context, feedback, task
        self.stepStarted.emit(self._index, step.label)
        QgsApplication.taskManager().addTask(task)

    @pyqtSlot(float)
    def _on_progress(self, percent: float) -> None:
        if self.steps:
            overall = (self._index + max(0.0, min(100.0, percent)) / 100.0) / len(self.steps) * 100.0
            self.progressChanged.emit(overall)

    @pyqtSlot(bool, "QVariantMap")
    def _on_executed(self, successful: bool, results: dict) -> None:
        if self._done:
            return
        feedback, context = self._feedback, self._context
        self.warnings.extend(feedback.warnings if feedback is not None else [])
        if self._cancelled or (feedback is not None and feedback.isCanceled()):
            self._cancelled = True
            self._finish(False, tr("Cancelled."))
            return
        if not successful:
            errors = feedback.errors if feedback is not None else []
            message = "\n".join(e for e in errors if e.strip()) or tr("The algorithm failed (see the log).")
            self._finish(False, message)
            return
        outputs = dict(results)
        output_id = results.get("OUTPUT")
        layer = None
        if isinstance(output_id, str) and context is not None:
            layer = context.takeResultLayer(output_id)
            if layer is None:
                from qgis.core import QgsVectorLayer

                candidate = QgsVectorLayer(output_id, "output", "ogr")
                layer = candidate if candidate.isValid() else None
        outputs["OUTPUT"] = layer
        self.outputs.append(outputs)
        self._release_task()
        self._next()

    @pyqtSlot()
    def _on_terminated(self) -> None:
        # executed(False) normally comes first; this covers a task cancelled before it ran
        if not self._done:
            if self._cancelled:
                self._finish(False, tr("Cancelled."))
            else:
                errors = self._feedback.errors if self._feedback is not None else []
                self._finish(False, "\n".join(errors) or tr("The algorithm failed (see the log)."))

    def _release_task(self) -> None:
        self._task = None
        self._feedback = None
        self._context = None
        self._algorithm = None

    def _finish(self, ok: bool, message: str) -> None:
        if self._done:
            return
        self._done = True
        self._release_task()
        _ALIVE.discard(self)
        self.finished.emit(ok, self.outputs if ok else [], message)

    def detach(self) -> None:
        """Disconnect every receiver (the dock is going away); the chain ends on its own."""
        for signal in (self.progressChanged, self.stepStarted, self.finished):
            try:
                signal.disconnect()
            except TypeError:  # nothing connected
                pass


def running_chains() -> int:
    return len(_ALIVE)
