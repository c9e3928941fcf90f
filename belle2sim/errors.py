"""One family of exceptions, named after the user's mistake.

Every error a user can cause derives from :class:`Belle2SimError`; the command line turns it
into a one-line message and exit status 2, never a traceback.
"""


class Belle2SimError(Exception):
    """Base class for every error caused by the user's input."""


class CardError(Belle2SimError):
    """A detector card is malformed: unknown/missing key, wrong type or unit, bad range."""


class MenuError(Belle2SimError):
    """A trigger menu is malformed: bad logic, unknown input bit, bad prescale."""


class ParameterError(Belle2SimError):
    """A channel or run parameter is out of range (negative, NaN, mass above sqrt(s), ...)."""


class InputFileError(Belle2SimError):
    """An event file cannot be read, or holds events that make no physical sense."""


class UnknownParticleError(Belle2SimError):
    """A PDG id is neither in the PDG tables nor in belle2sim's registry of new particles."""


class UnknownChannelError(Belle2SimError):
    """The requested analysis channel does not exist."""


class OutputError(Belle2SimError):
    """An output file cannot be written where the user asked."""
