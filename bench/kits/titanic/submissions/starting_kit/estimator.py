from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder


def get_estimator():
    categorical = ["Sex", "Pclass", "Embarked"]
    numerical = ["Age", "SibSp", "Parch", "Fare"]
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), categorical),
        (SimpleImputer(strategy="median"), numerical),
    )
    return make_pipeline(features, LogisticRegression(max_iter=500))
