from django.urls import path

from . import api

urlpatterns = [
    path("training-sessions/", api.SessionListCreate.as_view(), name="training-session-list"),
    path("training-sessions/<int:pk>/", api.SessionDetail.as_view(), name="training-session-detail"),
    path("training-sessions/<int:pk>/epochs/", api.SessionEpochs.as_view(), name="training-session-epochs"),
    path("training-sessions/<int:pk>/log/", api.SessionLog.as_view(), name="training-session-log"),
    path("training-sessions/<int:pk>/cancel/", api.SessionCancel.as_view(), name="training-session-cancel"),
    path("training-sessions/<int:pk>/resume/", api.SessionResume.as_view(), name="training-session-resume"),
    path("training-sessions/<int:pk>/weights/<str:kind>", api.SessionWeights.as_view(), name="training-session-weights"),
    path("training-sessions/<int:pk>/evaluation/", api.SessionEvaluation.as_view(), name="training-session-evaluation"),
    path("training-sessions/<int:pk>/evaluation/images/<int:index>", api.SessionEvaluationImage.as_view(),
         name="training-session-evaluation-image"),
    # issue 12
    path("training-sessions/<int:pk>/coco/<str:file>", api.SessionCoco.as_view(), name="training-session-coco"),
    path("datasets/<int:pk>/evaluate/", api.DatasetEvaluate.as_view(), name="dataset-evaluate"),
    path("datasets/<int:pk>/training-check/", api.DatasetTrainingCheck.as_view(), name="dataset-training-check"),
    path("training-pretrained/", api.PretrainedList.as_view(), name="training-pretrained"),
    path("training-algorithms/", api.AlgorithmList.as_view(), name="training-algorithms"),
    path("training-workers/", api.WorkerList.as_view(), name="training-workers"),
]
