from django.http import HttpRequest, JsonResponse

from .tasks import record_note


def enqueue(request: HttpRequest) -> JsonResponse:
    """A web request that sends a task: its request id travels with it."""
    result = record_note.delay(request.GET.get("note", "from a request"))
    return JsonResponse({"task_id": result.id}, status=202)
