# One image for the web server and the Celery workers.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# Tesseract for the detect endpoint's OCR (ocr_model=small; docs/deploy.md "OCR"), English and German.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/ requirements/
RUN pip install torch==2.14.1 torchvision==0.29.1 \
 && pip install -r requirements/base.txt \
 && pip uninstall -y opencv-python \
 && pip install --no-deps --force-reinstall opencv-python-headless==5.0.0.93
COPY . .
EXPOSE 8000
# gunicorn (gthread): WEB_CONCURRENCY processes x WEB_THREADS threads, WEB_TIMEOUT; see config/gunicorn.conf.py
# and docs/deploy.md ("Serving in production") for sizing against the memory each loaded model takes.
ENV WEB_CONCURRENCY=2 WEB_THREADS=4 WEB_TIMEOUT=120
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn -c config/gunicorn.conf.py config.wsgi"]
