"""Pages of the personnel database (placeholder while the services land)."""

from django.http import HttpResponse


def person_list(request, pk=None):
    return HttpResponse(status=501)


def person_export(request, pk=None):
    return HttpResponse(status=501)


def person_import(request, pk=None):
    return HttpResponse(status=501)


def person_template(request, pk=None):
    return HttpResponse(status=501)


def person_detail(request, pk=None):
    return HttpResponse(status=501)


def change_list(request, pk=None):
    return HttpResponse(status=501)


def change_create_view(request, pk=None):
    return HttpResponse(status=501)


def change_detail(request, pk=None):
    return HttpResponse(status=501)


def change_submit(request, pk=None):
    return HttpResponse(status=501)


def establishment_list(request, pk=None):
    return HttpResponse(status=501)


def snapshot_list(request, pk=None):
    return HttpResponse(status=501)


def snapshot_detail(request, pk=None):
    return HttpResponse(status=501)
