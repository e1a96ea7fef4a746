"""The labeler and template-editor pages; the data comes from the REST API through ES modules."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.selectors import remember_workspace
from datasets import selectors


@login_required
@ensure_csrf_cookie
def labeler(request, pk, image_id):
    dataset = selectors.dataset_get(request.user, pk)
    image = selectors.image_get(request.user, image_id)
    if image.dataset_id != dataset.pk:
        raise Http404("no such image in this dataset")
    remember_workspace(request, dataset.workspace_id)
    return render(request, "labeling/labeler.html", {"dataset": dataset, "image": image})


@login_required
@ensure_csrf_cookie
def template_editor(request, pk, class_id):
    dataset = selectors.dataset_get(request.user, pk)
    cls = selectors.class_get(request.user, class_id)
    if cls.dataset_id != dataset.pk:
        raise Http404("no such class in this dataset")
    # The skeleton is drawn over an example: the class's template image, else the dataset's first.
    image = cls.template_image or selectors.images_of(dataset).first()
    first_unlabelled = selectors.images_of(dataset, labelled=False).values_list("id", flat=True).first()
    if first_unlabelled is None:
        first_unlabelled = selectors.images_of(dataset).values_list("id", flat=True).first()
    return render(request, "labeling/template_editor.html", {
        "dataset": dataset, "cls": cls, "image": image, "first_unlabelled": first_unlabelled,
    })
